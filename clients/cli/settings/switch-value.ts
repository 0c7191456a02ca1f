/** The words a switch (a flag without a value, `--ha`) takes in a file or a variable. */

const TRUE = /^(true|1|yes|on)$/i;
const FALSE = /^(false|0|no|off)$/i;

/** "true" | "1" | "yes" | "on" → true, "false" | "0" | "no" | "off" → false, anything else → undefined. */
export function parseSwitch(text: string): boolean | undefined {
  return TRUE.test(text.trim()) ? true : FALSE.test(text.trim()) ? false : undefined;
}

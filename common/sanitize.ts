/**
 * Client-supplied text made safe for a log line or a terminal: a client (or an
 * old coordinator relaying one) must not be able to clear an operator's screen,
 * retitle the window, fake log lines or reorder text with bidi overrides.
 */

// CSI (ESC [ … final byte, or its one-byte C1 form 0x9B), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC
// strings (ESC P|X|^|_ … ST), and the remaining two-byte escapes (ESC + one byte).
const ESCAPES = new RegExp(
  [
    '(?:\\u001b\\[|\\u009b)[0-?]*[ -/]*[@-~]?',
    '(?:\\u001b\\]|\\u009d)[^\\u0007\\u001b\\u009c]*(?:\\u0007|\\u001b\\\\|\\u009c)?',
    '(?:\\u001b[PX^_]|[\\u0090\\u0098\\u009e\\u009f])[^\\u001b\\u009c]*(?:\\u001b\\\\|\\u009c)?',
    '\\u001b[\\u0020-\\u007e]?',
  ].join('|'),
  'g',
);
// C0 and C1 controls, DEL, and the Unicode bidi embedding/override/isolate marks.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAKS = /[\t\n\r\v\f]+/g;

/** `text` without escape sequences and control characters; tabs and line breaks become one space, so it stays one line. */
export function stripControl(text: string): string {
  return text.replace(ESCAPES, '').replace(LINE_BREAKS, ' ').replace(CONTROLS, '');
}

/** Whether `text` holds anything stripControl would change. */
export function hasControl(text: string): boolean {
  return stripControl(text) !== text;
}

/** At most `max` characters of `text`, with "…" (and the cut length) when it was longer: for logging a refused value. */
export function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

/** clip(stripControl(text)): a client's string as it may appear in a log line or an error message. */
export function printable(text: string, max = 80): string {
  return clip(stripControl(text), max);
}

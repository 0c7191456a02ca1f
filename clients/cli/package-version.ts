/** The fedlink version, as package.json says (for `--version` and model cards). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** package.json's version, or 0.0.0 when it cannot be read. */
export function packageVersion(): string {
  if (cached === undefined) {
    try {
      cached = String(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version ?? '0.0.0');
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}

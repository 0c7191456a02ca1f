/** JSON payloads to bytes and back, shared by both transports so they accept and reject exactly the same things. */
import { InvalidArgumentError } from '../errors';

const encoder = new TextEncoder();
// fatal: invalid UTF-8 is a malformed message, not a string full of U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON-encodes `payload` to UTF-8; throws InvalidArgumentError for what JSON cannot carry (undefined, functions, BigInt, cycles). */
export function encodePayload(payload: unknown): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (err) {
    throw new InvalidArgumentError(`payload is not JSON-encodable: ${(err as Error).message}`, { cause: err });
  }
  if (text === undefined) throw new InvalidArgumentError('payload is not JSON-encodable');
  return encoder.encode(text);
}

/** Decodes UTF-8 JSON; `{ ok: false }` for anything else (the caller counts it as malformed). */
export function decodePayload(data: Uint8Array): { ok: true; payload: unknown } | { ok: false } {
  try {
    return { ok: true, payload: JSON.parse(decoder.decode(data)) };
  } catch {
    return { ok: false };
  }
}

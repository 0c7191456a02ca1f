/** Polling with a timeout, for processes that can only be watched from outside (demo, e2e tests). */

/** Thrown from a waitFor callback to give up at once (the thing waited for can no longer happen). */
export class StopWaiting extends Error {
  override name = 'StopWaiting';
}

/**
 * Calls `fn` every `everyMs` until it returns something other than undefined;
 * errors count as "not yet", except StopWaiting, which is rethrown. Rejects after `timeoutMs`, naming `what` and the last error.
 */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/**
 * A Store that times every operation of the store it wraps, so store latency
 * is measured once here instead of in each backend and each caller.
 */
import type { Store } from '../store/store';

/** Receives one operation's name, duration and whether it succeeded. */
export type StoreObserver = (operation: string, seconds: number, ok: boolean) => void;

/**
 * Wraps `store`: every method that returns a promise is timed from call to
 * settlement. Properties (`kind`) and synchronous methods pass through.
 * Methods run on the wrapped store itself, so its private fields stay reachable.
 */
export function timedStore(store: Store, observe: StoreObserver, monotonicMs: () => number = () => performance.now()): Store {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        const started = monotonicMs();
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        const done = (ok: boolean) => observe(key, (monotonicMs() - started) / 1000, ok);
        return result.then(
          (v: unknown) => {
            done(true);
            return v;
          },
          (err: unknown) => {
            done(false);
            throw err;
          },
        );
      };
    },
  });
}

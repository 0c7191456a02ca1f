/**
 * Update encodings as the daemon advertises and applies them. The hello lists
 * encoding *kinds* (a top-k fraction is the coordinator's choice per task);
 * each task names the exact encoding in `update_encoding`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../../common/atomic-file';
import path from 'node:path';
import { ErrorFeedback, formatEncoding, parseEncoding } from '../../common/codecs';
import type { Logger } from '../../common/logger';

/** Encoding kinds this daemon can send, advertised in the hello's capabilities. */
export const DAEMON_ENCODINGS = ['float32', 'float16', 'int8', 'topk', 'topk+int8'] as const;

/**
 * The canonical name of a task's update encoding: 'float32' when the wire
 * leaves it empty; throws InvalidArgumentError on anything parseEncoding refuses.
 */
export function taskEncoding(wire: string | undefined): string {
  if (!wire) return 'float32';
  return formatEncoding(parseEncoding(wire));
}

/**
 * Client-side error-feedback state across rounds: one residual for the
 * current (run, model size); a task of another run or another model size
 * starts from a zero residual and the old one is dropped.
 *
 * With a state directory the residual survives a daemon restart (kill -9
 * included): `save()` writes it atomically (temporary file, fsync, rename)
 * after every accepted upload, and `forRun` loads it back.
 */
export class FeedbackStore {
  private current?: { runId: string; n: number; feedback: ErrorFeedback };

  constructor(
    private readonly dir?: string,
    private readonly logger?: Logger,
  ) {}

  /** The residual to use for a task of `runId` over `n` parameters. */
  forRun(runId: string, n: number): ErrorFeedback {
    const c = this.current;
    if (c && c.runId === runId && c.n === n) return c.feedback;
    const saved = this.load(runId, n);
    if (saved) this.logger?.info({ runId, parameters: n }, 'error-feedback residual restored from the state dir');
    const feedback = saved ?? new ErrorFeedback(n);
    this.current = { runId, n, feedback };
    return feedback;
  }

  /** Persists the current residual of `runId` atomically (a no-op without a state directory). */
  async save(runId: string): Promise<void> {
    const c = this.current;
    if (!this.dir || !c || c.runId !== runId) return;
    const file = this.file(runId);
    await writeFileAtomic(file, c.feedback.toBytes());
    // Only the current run's residual is worth keeping.
    for (const name of await readdir(this.dir)) if (name.endsWith('.residual') && name !== path.basename(file)) await rm(path.join(this.dir, name), { force: true });
  }

  /** The saved residual of `runId`, if there is a valid one for `n` parameters (another size or a bad file: start from zero). */
  private load(runId: string, n: number): ErrorFeedback | undefined {
    if (!this.dir) return undefined;
    try {
      return ErrorFeedback.fromBytes(readFileSync(this.file(runId)), n);
    } catch {
      return undefined;
    }
  }

  /** Whether a saved residual of `runId` exists (for tests and logs). */
  hasSaved(runId: string): boolean {
    return this.dir !== undefined && existsSync(this.file(runId));
  }

  private file(runId: string): string {
    return path.join(this.dir!, `${runId.replace(/[^A-Za-z0-9_-]/g, '_')}.residual`);
  }

  /** The residual held for `runId` over `n` parameters, if any; never creates one. */
  peek(runId: string, n: number): ErrorFeedback | undefined {
    const c = this.current;
    return c && c.runId === runId && c.n === n ? c.feedback : undefined;
  }

  /** Drops the residual of any run other than `runId` (a new run starts from zero). */
  keepOnly(runId: string): void {
    if (this.current && this.current.runId !== runId) this.current = undefined;
  }

  /** Forgets every residual. */
  clear(): void {
    this.current = undefined;
  }
}

/**
 * Update encodings as the daemon advertises and applies them. The hello lists
 * encoding *kinds* (a top-k fraction is the coordinator's choice per task);
 * each task names the exact encoding in `update_encoding`.
 */
import { ErrorFeedback, formatEncoding, parseEncoding } from '../../common/codecs';

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
 */
export class FeedbackStore {
  private current?: { runId: string; n: number; feedback: ErrorFeedback };

  /** The residual to use for a task of `runId` over `n` parameters. */
  forRun(runId: string, n: number): ErrorFeedback {
    const c = this.current;
    if (c && c.runId === runId && c.n === n) return c.feedback;
    const feedback = new ErrorFeedback(n);
    this.current = { runId, n, feedback };
    return feedback;
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

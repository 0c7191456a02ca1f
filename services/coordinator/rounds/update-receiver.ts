/**
 * Receives one client's update chunk by chunk. Chunks are validated (offset,
 * alignment, size, values within the round's bound, the chunk's digest when
 * the client sends them) and journaled by the sink, never folded; only a
 * complete update (whose sha256 matches, for a client without chunk digests)
 * is handed to the round, which folds its accepted updates at close. An upload refused
 * or ended for good is discarded, so a client that drops mid-upload or sends
 * a bad checksum contributes nothing: none of its bytes reached the sum.
 *
 * An upload that breaks off is suspended, not discarded: the same transfer id
 * may resume from `receivedBytes` on a new call (after a reset or a handover).
 * Each call claims the receiver; a stale call (one that broke off and was taken
 * over) can no longer write to it or abort it. Staging buffers exist per upload
 * started in the round, never per selected-but-silent client; a large upload's
 * journal is a spool file, so memory stays at a few chunks.
 */
import { CancelledError } from '../../../common/errors';
import type { UpdateKind } from '../aggregation/streaming-fedavg';
import type { UpdateJournal } from './update-journal';
import type { UpdateSink } from './update-sink';

/** Lifecycle of a receiver: receiving, broken off (resumable), or done (accepted or refused). */
export type ReceiverState = 'active' | 'suspended' | 'done';

/** The sink PushUpdate streams chunks into. */
export class UpdateReceiver {
  private stateValue: ReceiverState = 'active';
  /** When the upload began: its first call's start when the caller says (claim), else its first chunk. */
  private startedMs?: number;
  private owner = 0;
  private readonly discardListeners = new Set<() => void>();
  /** How many times the transfer was resumed on a new call. */
  resumes = 0;

  constructor(
    readonly clientId: string,
    readonly transferId: string,
    readonly numExamples: number,
    readonly encoding: string,
    private readonly sink: UpdateSink,
    readonly sha256: string,
    private readonly onComplete: (receiver: UpdateReceiver) => void,
    private readonly onAbort: (receiver: UpdateReceiver, reason: string, rejected: boolean) => void,
    /** '' or the digest every chunk carries (UpdateHeader.chunkDigest). */
    readonly chunkDigest = '',
  ) {}

  /** Current lifecycle state. */
  get state(): ReceiverState {
    return this.stateValue;
  }

  /** Bytes accepted so far. */
  get receivedBytes(): number {
    return this.sink.receivedBytes;
  }

  /** Bytes the whole update has. */
  get expectedBytes(): number {
    return this.sink.expectedBytes;
  }

  /**
   * Makes the calling RPC the owner; earlier owners' writes and aborts are ignored from now on.
   * `callStartedMs`: when that call began. A chunk arrives only once all of it is in, so on a
   * slow uplink timing from the first chunk would leave out most of a small upload.
   */
  claim(callStartedMs?: number): number {
    this.startedMs ??= callStartedMs;
    if (this.stateValue === 'suspended') this.resumes++;
    if (this.stateValue !== 'done') this.stateValue = 'active';
    return ++this.owner;
  }

  /**
   * Accepts one chunk, with its digest when the upload sends them; throws
   * InvalidArgumentError if it is bad. Bytes before `receivedBytes` are ones a
   * resumed call re-sends: the sink checks them with their chunk and skips
   * them, never writing them twice.
   */
  write(offset: number, data: Uint8Array, nowMs?: number, token = this.owner, digest?: Uint8Array): void {
    if (token !== this.owner || this.stateValue !== 'active') throw new CancelledError('this upload call was taken over by a newer one');
    this.startedMs ??= nowMs;
    this.sink.write(offset, data, digest);
  }

  /** Time since the upload began (see claim), ms; undefined when neither a start nor a chunk came with a time. */
  elapsedMs(nowMs: number): number | undefined {
    return this.startedMs === undefined ? undefined : nowMs - this.startedMs;
  }

  /** New weights, a dense delta or a top-k delta (see UpdateKind). */
  get kind(): UpdateKind {
    return this.sink.kind;
  }

  /** Verifies the whole update and hands it to the round; throws if it is incomplete, corrupt or too late. */
  complete(token = this.owner): void {
    if (token !== this.owner || this.stateValue !== 'active') throw new CancelledError('this upload call was taken over by a newer one');
    this.sink.finish();
    this.stateValue = 'done';
    try {
      this.onComplete(this);
    } finally {
      // Not taken by the round (too late): dropped. Taken: a no-op.
      this.sink.discard();
    }
  }

  /** The verified update's bytes, for the round's onComplete to keep; the receiver no longer owns them. */
  handOver(): UpdateJournal {
    return this.sink.handOver();
  }

  /**
   * The upload broke off (`rejected` false: suspended, resumable) or its data was
   * refused (`rejected` true: done, and dropped). A suspended upload's chunks stay
   * journaled until it resumes and completes, or is discarded.
   */
  abort(reason: string, rejected = false, token = this.owner): void {
    if (token !== this.owner || this.stateValue !== 'active') return;
    this.stateValue = rejected ? 'done' : 'suspended';
    if (rejected) this.sink.discard();
    this.onAbort(this, reason, rejected);
  }

  /** Ends a transfer for good (the round closed, or the client started another): its chunks are dropped. */
  discard(): void {
    this.stateValue = 'done';
    this.sink.discard();
    for (const listener of [...this.discardListeners]) listener();
    this.discardListeners.clear();
  }

  /**
   * Calls `listener` once if the transfer is discarded, so the call streaming into
   * it can end at once instead of at its next chunk, which on a slow uplink may be
   * minutes away. Returns a function that stops listening.
   */
  onDiscard(listener: () => void): () => void {
    this.discardListeners.add(listener);
    return () => this.discardListeners.delete(listener);
  }
}

/**
 * One attempt at one round: dispatches tasks to the selected clients, receives
 * and verifies their updates (folded only at close, in a canonical order:
 * streaming-fedavg.ts), and closes when every selected
 * client has settled or the deadline passes — whichever comes first. A client
 * that disconnects, fails or stays silent never holds a round open past its
 * deadline.
 */
import type { Clock, TimerHandle } from '../../../common/clock';
import { FailedPreconditionError, InvalidArgumentError, ResourceExhaustedError, StaleRoundError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import type { ClientId, Metrics, ModelSpec, RoundClientRecord, RoundRecord, SkippedClient, TensorShape, TrainConfig } from '../../../common/types';
import { schedulingMetrics } from '../selection/metrics';
import type { RoundLifecycleEvent } from '../../../common/events/payloads';
import { parameterCount } from '../../../common/weights-codec';
import { checkValueBound, DEFAULT_VALUE_BOUND } from '../../../common/codecs';
import { chunkCheckAvailable, XXH64_CHUNK_DIGEST } from '../../../common/chunk-check/chunk-checker';
import { encodedSink, float32Sink } from './update-sink';
import { StreamingFedAvg } from '../aggregation/streaming-fedavg';
import { createJournal, type JournalOptions } from './update-journal';
import type { FleetPort } from './fleet-port';
import { UpdateReceiver } from './update-receiver';

/** Everything a round needs to run. */
export interface RoundInput {
  runId: string;
  round: number;
  attempt: number;
  spec: ModelSpec;
  modelVersion: string;
  modelBytes: number;
  train: TrainConfig;
  /** Who was picked, with the selection policy's predicted completion time and the update encoding asked of it. */
  selected: Array<{ clientId: ClientId; predictedMs?: number; encoding?: string; sparseAverage?: boolean }>;
  /** The global model this round trains from (what encoded deltas apply to). */
  globalWeights?: Float32Array;
  /** How clients should fetch the model. @default 'float32' */
  modelEncoding?: 'float32' | 'float16';
  /** Candidates the policy passed over (shown by `rounds show`). */
  skipped?: SkippedClient[];
  /** Over-selection: close once this many updates are in (undefined = wait for everyone). */
  targetReports?: number;
  /** > 0: a client's own deadline is dispatch + predicted × factor. */
  clientDeadlineFactor?: number;
  /** Policy name, for the round's scheduling metrics. */
  policy?: string;
  /** Round lifecycle events (published on NATS). */
  lifecycle?: (e: RoundLifecycleEvent) => void;
  /**
   * How long a selected client whose session ended may take to come back and
   * resume (a handover, a reset) before it is dropped; 0 drops it at once.
   */
  reconnectGraceMs?: number;
  /** Directory for the journals of large uploads; undefined keeps them in memory. */
  spoolDir?: string;
  /** What uploads may keep in memory (journal-memory.ts). @default the process budget and this machine's per-update size */
  journals?: Pick<JournalOptions, 'budget' | 'memoryMaxBytes'>;
  /** Every update value must be within ±this, or the update is refused. @default DEFAULT_VALUE_BOUND */
  valueBound?: number;
  deadlineMs: number;
  maxUpdateBytes: number;
  fleet: FleetPort;
  clock: Clock;
  logger: Logger;
  /** Called after every change of the round record (for watchers and the store). */
  onChange: (record: RoundRecord) => void;
}

/** Header of an incoming update, already converted from the wire. */
export interface UpdateHeader {
  taskId: string;
  transferId: string;
  encoding: string;
  totalBytes: number;
  /** Lowercase hex sha256 of the whole update; empty when its chunks carry digests. */
  sha256: string;
  /** '' (sha256 of the whole) or 'xxh64' (a digest on every chunk; common/chunk-check). */
  chunkDigest?: string;
  tensors: TensorShape[];
  numExamples: number;
}

/** A client's report after its update was accepted. */
export interface ClientReport {
  taskId: string;
  transferId: string;
  numExamples: number;
  train: Metrics;
  localEval: Metrics;
  durationMs: number;
  /** The model download as the client timed it, ms (unset: cached, or an older client). */
  downloadMs?: number;
}

/** Why a round closed by halt() ends: the run itself goes on, from its last checkpoint, wherever it is driven next. */
export const HALTED_REASON = 'the coordinator stopped driving the run (shutdown or leadership lost); the round is redone when the run resumes';

/** How a round ended, for the run driver to aggregate or retry. */
export interface RoundOutcome {
  accumulator: StreamingFedAvg;
  reported: number;
  failed: number;
  cancelled: boolean;
}

/** The live state of one round attempt. */
export class Round {
  readonly record: RoundRecord;
  private readonly accumulator: StreamingFedAvg;
  private readonly parameters: number;
  private readonly valueBound: number;
  private readonly receivers = new Map<ClientId, UpdateReceiver>();
  private readonly accepted = new Map<ClientId, string>();
  private readonly taskIds = new Map<ClientId, string>();
  /** Clients whose outcome in this round is final. */
  private readonly settled = new Set<ClientId>();
  /** Clients whose session ended during the round. */
  private readonly gone = new Set<ClientId>();
  /** Over-selected clients let go because the round had enough updates: not failures. */
  private readonly notNeeded = new Set<ClientId>();
  private readonly clientTimers: TimerHandle[] = [];
  private readonly graceTimers = new Map<ClientId, TimerHandle>();
  private deadlineTimer?: TimerHandle;
  private closed = false;
  private cancelled = false;
  private resolveDone!: (o: RoundOutcome) => void;
  /** Resolves when the round closes. */
  readonly done: Promise<RoundOutcome>;

  constructor(private readonly input: RoundInput) {
    const now = input.clock.now();
    this.parameters = parameterCount(input.spec.tensors);
    this.accumulator = new StreamingFedAvg(this.parameters);
    this.valueBound = checkValueBound(input.valueBound ?? DEFAULT_VALUE_BOUND);
    this.record = {
      runId: input.runId,
      round: input.round,
      attempt: input.attempt,
      state: 'training',
      startedAtMs: now,
      deadlineMs: input.deadlineMs,
      clients: input.selected.map(({ clientId, predictedMs, encoding, sparseAverage }) => ({
        clientId, state: 'selected', numExamples: 0, bytesDown: 0, bytesUp: 0, selectedAtMs: now, predictedMs, encoding: encoding ?? 'float32',
        ...(sparseAverage ? { sparseAverage } : {}),
      })),
      bytesDown: 0,
      bytesUp: 0,
      modelVersion: input.modelVersion,
      skipped: input.skipped ?? [],
    };
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Task id of a client's task in this attempt (ids are unique per attempt, so retries can't mix). */
  taskIdFor(clientId: ClientId): string {
    return `${this.input.runId}/r${this.input.round}a${this.input.attempt}/${clientId}`;
  }

  /** Whether the client was given a task in this attempt and has not settled yet. */
  hasOpenTask(clientId: ClientId): boolean {
    return this.taskIds.has(clientId) && !this.settled.has(clientId) && !this.closed;
  }

  /** Dispatches the tasks and arms the deadline. */
  start(): void {
    const { clock, fleet } = this.input;
    const factor = this.input.clientDeadlineFactor ?? 0;
    this.lifecycle('round-started');
    for (const c of this.record.clients) {
      this.lifecycle('client-selected', c.clientId);
      const taskId = this.taskIdFor(c.clientId);
      this.taskIds.set(c.clientId, taskId);
      // A per-client deadline only when asked for and there is a prediction to scale.
      const own = factor > 0 && c.predictedMs ? Math.min(this.input.deadlineMs, clock.now() + c.predictedMs * factor) : this.input.deadlineMs;
      const sent = fleet.dispatch(c.clientId, {
        taskId,
        runId: this.input.runId,
        round: this.input.round,
        model: this.input.spec,
        modelVersion: this.input.modelVersion,
        modelBytes: this.input.modelBytes,
        train: this.input.train,
        deadlineMs: own,
        updateEncoding: c.encoding,
        modelEncoding: this.input.modelEncoding ?? 'float32',
        sparseAverage: c.sparseAverage ?? false,
      });
      if (sent) {
        c.state = 'dispatched';
        c.dispatchedAtMs = clock.now();
        if (own < this.input.deadlineMs) {
          this.clientTimers.push(clock.setTimeout(() => this.clientOverdue(c, factor), own - clock.now()));
        }
      } else {
        this.settle(c, 'dropped', 'not connected at dispatch');
      }
    }
    this.deadlineTimer = clock.setTimeout(() => this.close('deadline'), Math.max(0, this.input.deadlineMs - clock.now()));
    // After the tasks are on their way: the clients train meanwhile.
    this.clientTimers.push(clock.setTimeout(() => {
      if (this.closed) return;
      this.accumulator.reserveResult();
      if (this.record.clients.some((c) => c.sparseAverage)) this.accumulator.reserveCoverage();
    }, 0));
    this.changed();
    this.closeIfAllSettled();
  }

  /** Opens the sink for a client's upload, after checking it belongs here and its header is sane. */
  beginUpdate(clientId: ClientId, header: UpdateHeader): UpdateReceiver {
    const c = this.clientRecord(clientId);
    if (!c) throw new FailedPreconditionError(`client ${clientId} was not selected for round ${this.input.round}`);
    if (this.closed) throw new StaleRoundError(`round ${this.input.round} of ${this.input.runId} is closed`);
    if (header.taskId !== this.taskIds.get(clientId)) throw new StaleRoundError(`task ${header.taskId} is not the current task of ${clientId}`);
    if (this.settled.has(clientId) || this.accepted.has(clientId)) throw new FailedPreconditionError(`client ${clientId} has already reported in round ${this.input.round}`);
    const existing = this.receivers.get(clientId);
    if (existing && sameTransfer(existing, header)) {
      // The same transfer again: a resume after a break (or a new call taking over one whose
      // break the server has not noticed yet). The caller claims it and continues at receivedBytes.
      c.state = 'uploading';
      c.reason = undefined;
      c.resumes = existing.resumes + (existing.state === 'suspended' ? 1 : 0);
      this.changed();
      return existing;
    }
    if (existing?.state === 'active') throw new FailedPreconditionError(`client ${clientId} already has an upload in progress`);
    existing?.discard();
    this.checkHeader(header, c.encoding ?? 'float32');
    const target = {
      journal: createJournal(header.totalBytes, `${this.input.runId}-${this.input.round}-${clientId}`, { spoolDir: this.input.spoolDir, ...this.input.journals }),
      sha256: header.sha256,
      chunkDigest: header.chunkDigest ? (XXH64_CHUNK_DIGEST as typeof XXH64_CHUNK_DIGEST) : undefined,
      bound: this.valueBound,
      sparseAverage: c.sparseAverage ?? false,
    };
    const sink =
      header.encoding === 'float32'
        ? float32Sink(this.parameters, target)
        : encodedSink(header.encoding, this.parameters, header.totalBytes, target);
    const receiver = new UpdateReceiver(
      clientId,
      header.transferId,
      header.numExamples,
      header.encoding,
      sink,
      header.sha256,
      (r) => this.onUpdateComplete(r),
      (r, reason, rejected) => this.onUpdateAborted(r, reason, rejected),
      header.chunkDigest ?? '',
    );
    this.receivers.set(clientId, receiver);
    c.state = 'uploading';
    c.reason = undefined;
    this.changed();
    return receiver;
  }

  /** Records the bytes a client downloaded for this round, and how long that took. */
  noteDownload(clientId: ClientId, bytes: number, ms?: number): void {
    const c = this.clientRecord(clientId);
    if (!c) return;
    c.bytesDown += bytes;
    if (ms !== undefined) c.downloadMs = ms;
    this.record.bytesDown += bytes;
    this.changed();
  }

  /** A client's result message: metrics for an update that was already accepted. */
  acceptReport(clientId: ClientId, report: ClientReport): void {
    const c = this.clientRecord(clientId);
    if (!c || report.taskId !== this.taskIds.get(clientId)) return;
    if (this.accepted.get(clientId) !== report.transferId) {
      // A result without its accepted update means nothing reached the sum: the client failed.
      if (!this.settled.has(clientId)) this.settle(c, c.state === 'rejected' ? 'rejected' : 'dropped', c.state === 'rejected' ? c.reason : 'sent a result without an accepted update');
      return;
    }
    c.trainLoss = report.train.loss;
    c.trainAccuracy = report.train.accuracy;
    c.localEvalLoss = report.localEval.loss;
    c.localEvalAccuracy = report.localEval.accuracy;
    c.durationMs = report.durationMs;
    // The client saw the download end to end; the coordinator only saw its writes finish.
    if (report.downloadMs !== undefined && report.downloadMs > 0) c.downloadMs = report.downloadMs;
    if (c.state !== 'finished') this.settle(c, 'finished');
    else this.changed();
  }

  /** A client reported that its task failed. */
  acceptFailure(clientId: ClientId, taskId: string, reason: string): void {
    const c = this.clientRecord(clientId);
    if (!c || taskId !== this.taskIds.get(clientId) || this.settled.has(clientId)) return;
    if (this.accepted.has(clientId)) return; // its update already counts
    this.receivers.get(clientId)?.abort(`client failed: ${reason}`);
    // Keep the coordinator's own rejection reason: it says what was wrong with the data.
    if (c.state === 'rejected') this.settle(c, 'rejected', c.reason);
    else this.settle(c, 'dropped', `client failed: ${reason}`);
  }

  /** A selected client's session ended. */
  clientGone(clientId: ClientId, reason: string): void {
    const c = this.clientRecord(clientId);
    if (!c || this.settled.has(clientId)) return;
    this.gone.add(clientId);
    if (this.accepted.has(clientId)) {
      // The update counts; only the metrics message is missing.
      this.settle(c, 'finished', `${reason} before sending metrics`);
      return;
    }
    const grace = Math.min(this.input.reconnectGraceMs ?? 0, this.input.deadlineMs - this.input.clock.now());
    if (grace > 0) {
      // Mobile links break and come back (handover, reset): give the client a moment to reconnect and resume.
      this.graceTimers.get(clientId)?.cancel();
      this.graceTimers.set(
        clientId,
        this.input.clock.setTimeout(() => {
          this.graceTimers.delete(clientId);
          if (!this.gone.has(clientId) || this.settled.has(clientId) || this.receivers.get(clientId)?.state === 'active') return;
          this.settle(c, c.state === 'rejected' ? 'rejected' : 'dropped', c.state === 'rejected' ? c.reason : `${reason}; not back within ${Math.round(grace / 1000)}s`);
        }, grace),
      );
      return;
    }
    // An upload still streaming may yet complete on its own call; if it breaks
    // off instead, onUpdateAborted settles the client.
    if (this.receivers.get(clientId)?.state === 'active') return;
    this.settle(c, c.state === 'rejected' ? 'rejected' : 'dropped', c.state === 'rejected' ? c.reason : reason);
  }

  /** A selected client's session is back (reconnected): it may resume its work. */
  clientBack(clientId: ClientId): void {
    this.gone.delete(clientId);
    this.graceTimers.get(clientId)?.cancel();
    this.graceTimers.delete(clientId);
  }

  /**
   * The client connected again as a new process (a restarted daemon: no valid
   * resume token), so the task it was given is gone with the old one: it is
   * dropped now instead of holding the round until its deadline. An update
   * already accepted still counts. Also used for a revoked client (`lost` says why).
   */
  clientRestarted(clientId: ClientId, lost = 'the client restarted and lost its task'): void {
    const c = this.clientRecord(clientId);
    if (!c || this.settled.has(clientId) || this.closed) return;
    if (this.accepted.has(clientId)) return this.settle(c, 'finished', `${lost} before sending metrics`);
    this.gone.delete(clientId);
    this.graceTimers.get(clientId)?.cancel();
    this.graceTimers.delete(clientId);
    this.receivers.get(clientId)?.abort(lost);
    this.settle(c, c.state === 'rejected' ? 'rejected' : 'dropped', c.state === 'rejected' ? c.reason : lost);
  }

  /** Bytes of `transferId` this round holds for the client: where a resumed upload continues. */
  uploadOffset(clientId: ClientId, transferId: string): number {
    const r = this.receivers.get(clientId);
    return r && r.transferId === transferId && r.state !== 'done' ? r.receivedBytes : 0;
  }

  /**
   * Closes the round now (deadline, the run cancelled, the coordinator no longer driving it — shutdown
   * or leadership lost —, every client settled, or enough updates in).
   */
  close(why: 'deadline' | 'settled' | 'cancelled' | 'halted' | 'target'): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelled = why === 'cancelled' || why === 'halted';
    this.deadlineTimer?.cancel();
    for (const t of this.clientTimers) t.cancel();
    for (const t of this.graceTimers.values()) t.cancel();
    this.graceTimers.clear();
    const reason =
      why === 'cancelled'
        ? 'run cancelled'
        : why === 'halted'
          ? HALTED_REASON
          : why === 'target'
            ? `not needed: the round reached its target of ${this.input.targetReports} updates`
            : 'deadline exceeded';
    for (const c of this.record.clients) {
      if (this.settled.has(c.clientId)) continue;
      if (this.accepted.has(c.clientId)) {
        this.settle(c, 'finished', 'metrics did not arrive before the round closed', false);
        continue;
      }
      this.receivers.get(c.clientId)?.abort(reason);
      this.input.fleet.cancel(c.clientId, this.taskIds.get(c.clientId)!, reason);
      if (why === 'target') this.notNeeded.add(c.clientId);
      if (why === 'deadline') c.missedDeadline = true;
      if (c.state === 'rejected') this.settle(c, 'rejected', c.reason, false);
      else this.settle(c, 'dropped', reason, false);
    }
    // Uploads that never completed are dropped; none of their bytes reached the sum.
    for (const r of this.receivers.values()) r.discard();
    this.receivers.clear();
    this.record.endedAtMs = this.input.clock.now();
    const reported = this.accepted.size;
    const failed = this.record.clients.filter((c) => c.state !== 'finished' && !this.notNeeded.has(c.clientId)).length;
    this.record.meanTrainLoss = meanTrainLoss(this.record.clients);
    this.record.scheduling = {
      policy: this.input.policy ?? 'random',
      ...schedulingMetrics(
        this.record.clients
          .filter((c) => !this.notNeeded.has(c.clientId))
          .map((c) => ({ selectedAtMs: c.selectedAtMs, dispatchedAtMs: c.dispatchedAtMs, acceptedAtMs: c.acceptedAtMs, reported: this.accepted.has(c.clientId), predictedMs: c.predictedMs, actualMs: c.actualMs })),
      ),
    };
    this.changed();
    this.resolveDone({ accumulator: this.accumulator, reported, failed, cancelled: this.cancelled });
  }

  private checkHeader(h: UpdateHeader, asked: string): void {
    const dense = h.encoding === 'float32';
    // Dense float32 is exactly 4 bytes a parameter; no encoding can need more than 9 (a 5-byte index and a value).
    const expectedBytes = this.parameters * 4;
    if (h.totalBytes > this.input.maxUpdateBytes || (!dense && h.totalBytes > this.parameters * 9 + 64)) {
      throw new ResourceExhaustedError(`update of ${h.totalBytes} bytes exceeds the limit of ${Math.min(this.input.maxUpdateBytes, this.parameters * 9 + 64)}`);
    }
    if (h.encoding !== asked && h.encoding !== 'float32') throw new InvalidArgumentError(`update encoded as "${h.encoding}", the task asked for "${asked}"`);
    const want = this.input.spec.tensors;
    if (h.tensors.length !== want.length) throw new InvalidArgumentError(`update has ${h.tensors.length} tensors, model ${this.input.spec.name} has ${want.length}`);
    h.tensors.forEach((t, i) => {
      if (t.shape.join('x') !== want[i].shape.join('x')) {
        throw new InvalidArgumentError(`tensor ${i} has shape [${t.shape}], expected [${want[i].shape}]`);
      }
    });
    if (dense && h.totalBytes !== expectedBytes) throw new InvalidArgumentError(`update declares ${h.totalBytes} bytes, model needs ${expectedBytes}`);
    if (!Number.isInteger(h.numExamples) || h.numExamples < 1) throw new InvalidArgumentError(`num_examples must be a positive integer, got ${h.numExamples}`);
    if (h.chunkDigest) {
      if (h.chunkDigest !== XXH64_CHUNK_DIGEST) throw new InvalidArgumentError(`unknown chunk_digest "${h.chunkDigest}" (known: "${XXH64_CHUNK_DIGEST}")`);
      if (!chunkCheckAvailable()) throw new FailedPreconditionError(`this coordinator cannot check ${XXH64_CHUNK_DIGEST} chunk digests (no WebAssembly SIMD); send the sha256 of the whole`);
      if (h.sha256 !== '') throw new InvalidArgumentError(`sha256 must be empty when every chunk carries a ${XXH64_CHUNK_DIGEST} digest`);
    } else if (!/^[0-9a-f]{64}$/.test(h.sha256)) throw new InvalidArgumentError('sha256 must be 64 lowercase hex characters');
  }

  private onUpdateComplete(r: UpdateReceiver): void {
    if (this.receivers.get(r.clientId) === r) this.receivers.delete(r.clientId);
    const c = this.clientRecord(r.clientId)!;
    if (this.closed) throw new StaleRoundError(`round ${this.input.round} closed before the upload finished`);
    const journal = r.handOver();
    try {
      this.accumulator.add({ clientId: r.clientId, numExamples: r.numExamples, kind: r.kind, encoding: r.encoding, journal });
    } catch (err) {
      journal.close();
      throw err;
    }
    this.accepted.set(r.clientId, r.transferId);
    c.numExamples = r.numExamples;
    c.acceptedAtMs = this.input.clock.now();
    c.uploadMs = r.elapsedMs(c.acceptedAtMs);
    if (c.dispatchedAtMs !== undefined) c.actualMs = c.acceptedAtMs - c.dispatchedAtMs;
    c.bytesUp += r.receivedBytes;
    this.record.bytesUp += r.receivedBytes;
    this.input.logger.info({ clientId: r.clientId, examples: r.numExamples, bytes: r.receivedBytes }, 'update accepted');
    this.lifecycle('update-received', r.clientId);
    this.changed();
  }

  /**
   * A refused or broken-off upload never settles a client by itself: the
   * client may send a good update before the deadline (a corrupted transfer is
   * worth retrying). It settles when the client reports failure, its session
   * ends, or the round closes.
   */
  private onUpdateAborted(r: UpdateReceiver, reason: string, rejected: boolean): void {
    const c = this.clientRecord(r.clientId);
    if (!c || this.settled.has(r.clientId) || this.closed) return;
    if (rejected) {
      if (this.receivers.get(r.clientId) === r) this.receivers.delete(r.clientId);
      c.state = 'rejected';
      c.reason = `update rejected: ${reason}`;
    } else if (this.gone.has(r.clientId) && !this.graceTimers.has(r.clientId)) {
      return this.settle(c, 'dropped', `disconnected during upload: ${reason}`);
    } else {
      // Suspended: the receiver keeps what arrived, for a resume with the same transfer id.
      c.state = 'dispatched';
      c.reason = `upload interrupted: ${reason}`;
    }
    this.changed();
  }

  private settle(c: RoundClientRecord, state: 'finished' | 'dropped' | 'rejected', reason?: string, check = true): void {
    this.settled.add(c.clientId);
    const r = this.receivers.get(c.clientId);
    if (r && r.state !== 'active') {
      r.discard();
      this.receivers.delete(c.clientId);
    }
    c.state = state;
    if (reason) c.reason = reason;
    c.finishedAtMs = this.input.clock.now();
    this.input.fleet.release(c.clientId, this.taskIds.get(c.clientId) ?? '');
    if (state !== 'finished') {
      this.input.logger.warn({ clientId: c.clientId, state, reason }, 'client did not contribute');
      this.lifecycle('client-dropped', c.clientId, c.reason ?? state);
    }
    this.changed();
    if (check) this.closeIfAllSettled();
  }

  private closeIfAllSettled(): void {
    if (this.closed) return;
    if (this.record.clients.every((c) => this.settled.has(c.clientId))) return this.close('settled');
    const target = this.input.targetReports;
    // Over-selection: once enough updates are in (and their metrics arrived), the stragglers are not waited for.
    if (target !== undefined && target < this.record.clients.length && this.accepted.size >= target && [...this.accepted.keys()].every((id) => this.settled.has(id))) {
      this.close('target');
    }
  }

  /** A client past its own (predicted × factor) deadline is let go; the round goes on without it. */
  private clientOverdue(c: RoundClientRecord, factor: number): void {
    if (this.closed || this.settled.has(c.clientId) || this.accepted.has(c.clientId)) return;
    const reason = `exceeded ${factor}× its predicted ${(c.predictedMs! / 1000).toFixed(1)}s`;
    c.missedDeadline = true;
    this.receivers.get(c.clientId)?.abort(reason);
    this.input.fleet.cancel(c.clientId, this.taskIds.get(c.clientId)!, reason);
    this.settle(c, c.state === 'rejected' ? 'rejected' : 'dropped', c.state === 'rejected' ? c.reason : reason);
  }

  private clientRecord(clientId: ClientId): RoundClientRecord | undefined {
    return this.record.clients.find((c) => c.clientId === clientId);
  }

  private lifecycle(type: RoundLifecycleEvent['type'], clientId?: ClientId, reason?: string): void {
    this.input.lifecycle?.({ type, runId: this.input.runId, round: this.input.round, attempt: this.input.attempt, clientId, reason, atMs: this.input.clock.now() });
  }

  private changed(): void {
    this.input.onChange(this.record);
  }
}

/** The example-weighted mean training loss of the clients whose update counts. */
export function meanTrainLoss(clients: RoundClientRecord[]): number | undefined {
  let sum = 0;
  let n = 0;
  for (const c of clients) {
    if (c.state === 'finished' && c.trainLoss !== undefined && c.numExamples > 0) {
      sum += c.trainLoss * c.numExamples;
      n += c.numExamples;
    }
  }
  return n > 0 ? sum / n : undefined;
}

function sameTransfer(r: UpdateReceiver, h: UpdateHeader): boolean {
  return r.state !== 'done' && r.transferId === h.transferId && r.sha256 === h.sha256 && r.chunkDigest === (h.chunkDigest ?? '') && r.numExamples === h.numExamples && r.expectedBytes === h.totalBytes;
}

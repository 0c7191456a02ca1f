/**
 * What the round code tells the metrics, as a small interface: the run driver
 * makes one-line calls through it, and unit tests pass a fake or nothing.
 */
import type { RoundRecord, RunRecord } from '../../../common/types';
import type { RoundPhase } from './series';

/** Phases the run driver times itself (the per-client ones come from the round record). */
export type DriverPhase = Extract<RoundPhase, 'aggregate' | 'commit'>;

/** Receives what the run driver does. */
export interface RoundRecorder {
  /** A round record was saved (every save: the recorder counts each state once per attempt). */
  roundSaved(record: RoundRecord, run: RunRecord): void;
  /** Starts timing a phase; call what it returns when the phase ends. */
  startPhase(phase: DriverPhase): () => void;
}

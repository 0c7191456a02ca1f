/**
 * The dashboard's JSON: the domain records as the store holds them (absent
 * values are absent, times are epoch ms), minus what a page never needs and
 * may be large: an uploaded model's topology and its tensor list.
 */
import type { RunRecord } from '../../../common/types';
import type { RunEvent } from '../rounds/run-driver';

/** A run as the dashboard sends it. */
export type RunView = Omit<RunRecord, 'model'> & { model: Omit<RunRecord['model'], 'topology' | 'tensors'> & { parameters: number } };

/** A run without its model's topology and tensor list (their total size stays, as `parameters`). */
export function runView(run: RunRecord): RunView {
  const { topology: _topology, tensors, ...model } = run.model;
  return { ...run, model: { ...model, parameters: tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0) } };
}

/** A run event as the `run` server-sent event carries it. */
export function runEventView(e: RunEvent): { run: RunView; round?: RunEvent['round'] } {
  return e.round ? { run: runView(e.run), round: e.round } : { run: runView(e.run) };
}

/**
 * Strategy server state in the store. Each state vector is stored like a model
 * checkpoint, under the sha256 of its float32 bytes (Store.putModel), and the
 * checkpoint record that the run record commits names them: the run record
 * stays the single commit point, and a state vector is verified when read back
 * exactly as a model is.
 */
import type { RunId, StoredStrategyState } from '../../../common/types';
import { float32ToBytes, sha256Hex } from '../../../common/weights-codec';
import type { Store } from '../store/store';
import type { StrategyState } from './types';

/** Writes the vectors of `state` (durably, before the commit names them) and returns the reference to record. */
export async function saveStrategyState(store: Store, runId: RunId, state: StrategyState): Promise<StoredStrategyState> {
  const vectors: Record<string, string> = {};
  for (const [name, v] of Object.entries(state.vectors)) {
    vectors[name] = sha256Hex(float32ToBytes(v));
    await store.putModel(runId, vectors[name], v);
  }
  return { vectors, scalars: { ...state.scalars } };
}

/** Reads a stored state back; throws naming the vector when one is missing (a corrupt one throws in the store). */
export async function loadStrategyState(store: Store, runId: RunId, stored: StoredStrategyState): Promise<StrategyState> {
  const vectors: Record<string, Float32Array> = {};
  for (const [name, version] of Object.entries(stored.vectors)) {
    const v = await store.getModel(runId, version);
    if (!v) throw new Error(`strategy state vector ${name} (${version.slice(0, 12)}) is missing`);
    vectors[name] = v;
  }
  return { vectors, scalars: { ...stored.scalars } };
}

/** Every stored blob a run's checkpoints refer to: model versions and state vectors (retention keeps these). */
export function referencedVersions(checkpoints: ReadonlyArray<{ version: string; strategyState?: StoredStrategyState }>): Set<string> {
  const out = new Set<string>();
  for (const c of checkpoints) {
    out.add(c.version);
    for (const v of Object.values(c.strategyState?.vectors ?? {})) out.add(v);
  }
  return out;
}

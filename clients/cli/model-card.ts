/**
 * The model card `model export` writes beside model.json: where the model
 * came from (run, round, checkpoint digest, the run's config), how good it was
 * (the round's global evaluation), who trained it (clients and examples that
 * contributed), and what a user needs to feed it (objective, preprocessing,
 * label names). Plain JSON, so any language reads it.
 */
import type { Objective, Preprocessing } from '../../common/model-definition';
import type { ModelSpec } from '../../common/types';
import type { Round__Output } from '../../proto/gen/fedlink/v1/Round';
import type { Run__Output } from '../../proto/gen/fedlink/v1/Run';
import { effectiveObjective, effectivePreprocessing, isUserModel, outputKind, outputShapeOf, type OutputKind } from './model-defaults';
import { toJsonRunConfig, type JsonObject } from './json-view';

/** Identifies the card's layout; bumped when a field changes meaning. */
export const MODEL_CARD_FORMAT = 'fedlink-model-card/1';

/** Loss and accuracy of the global model on the server's evaluation set. */
export interface CardMetrics {
  loss: number;
  accuracy: number;
  numExamples: number;
}

/** The contents of fedlink-model.json. */
export interface ModelCard {
  format: typeof MODEL_CARD_FORMAT;
  run: string;
  /** The round whose checkpoint this is (0: the initial model). */
  round: number;
  /** sha256 of the float32 weights (the model version `runs show` lists). */
  checkpoint: { sha256: string; bytes: number };
  model: { name: string; userTopology: boolean; inputShape: number[]; outputShape: number[]; numClasses: number; parameters: number };
  /** How to read the outputs: class probabilities, a positive-class probability, or values. */
  output: OutputKind;
  objective: Objective;
  /** What turns raw records into model inputs (the built-in models' own when the run sets none). */
  preprocessing: Preprocessing;
  /** Class names in output order, when the run names them. */
  labels: string[] | null;
  /** The round's global metrics: server-side evaluation (null without --eval-data, or for round 0) and the clients' mean training loss. */
  metrics: { eval: CardMetrics | null; meanTrainLoss: number | null };
  /** Clients whose update the round accepted, and the examples they trained on (0 for round 0). */
  contributors: { clients: number; examples: number };
  /** The run's configuration, exactly as `fedlink runs show --json` prints it. */
  config: JsonObject | null;
  fedlinkVersion: string;
  exportedAt: string;
  exportedAtMs: number;
}

/** What the card is made from. */
export interface ModelCardInput {
  run: Run__Output;
  spec: ModelSpec;
  round: number;
  version: string;
  weightBytes: number;
  /** The round's record (its committed attempt); absent for round 0. */
  roundRecord?: Round__Output;
  fedlinkVersion: string;
  nowMs: number;
}

/** Builds the card (a pure function of its input). */
export function buildModelCard(input: ModelCardInput): ModelCard {
  const { spec, roundRecord: r } = input;
  const pre = effectivePreprocessing(spec);
  const contributed = r?.clients.filter((c) => c.state === 'finished') ?? [];
  return {
    format: MODEL_CARD_FORMAT,
    run: input.run.runId,
    round: input.round,
    checkpoint: { sha256: input.version, bytes: input.weightBytes },
    model: {
      name: spec.name,
      userTopology: isUserModel(spec),
      inputShape: spec.inputShape,
      outputShape: outputShapeOf(spec),
      numClasses: spec.numClasses,
      parameters: input.weightBytes / 4,
    },
    output: outputKind(spec),
    objective: effectiveObjective(spec),
    preprocessing: pre,
    labels: pre.labels ?? null,
    metrics: {
      eval: r?.eval ? { loss: r.eval.loss, accuracy: r.eval.accuracy, numExamples: Number(r.eval.numExamples) } : null,
      meanTrainLoss: r && contributed.length > 0 ? r.meanTrainLoss : null,
    },
    contributors: { clients: contributed.length, examples: contributed.reduce((n, c) => n + Number(c.numExamples), 0) },
    config: toJsonRunConfig(input.run.config),
    fedlinkVersion: input.fedlinkVersion,
    exportedAt: new Date(input.nowMs).toISOString(),
    exportedAtMs: input.nowMs,
  };
}

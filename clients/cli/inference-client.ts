/**
 * A connection to a coordinator's Inference service: Predict as a promise
 * with a deadline, float32 batches in and out, failures as one-line errors
 * (the same mapping as Control calls).
 */
import * as grpc from '@grpc/grpc-js';
import { channelCredentials, type CallerTls } from '../../common/channel-credentials';
import { float32ToBytes } from '../../common/weights-codec';
import { loadFedlinkProto } from '../../proto/loader';
import type { InferenceClient } from '../../proto/gen/fedlink/v1/Inference';
import type { PredictResponse__Output } from '../../proto/gen/fedlink/v1/PredictResponse';
import { validateAddress } from '../daemon/options';
import { DEFAULT_CALL_DEADLINE_MS } from './control-client';
import { fromRpcError } from './errors';

/** A batch the server answered. */
export interface RemotePrediction {
  round: number;
  version: string;
  /** [batch, ...output shape]. */
  shape: number[];
  values: Float32Array;
}

/** Predict calls on one channel; `close()` when done. */
export interface InferenceConnection {
  /** Runs `count` inputs of `inputShape` (row-major in `values`) through the run's latest model, or round `round`'s. */
  predict(runId: string, inputShape: number[], count: number, values: Float32Array, round?: number): Promise<RemotePrediction>;
  close(): void;
}

/** Opens a channel to the coordinator's Inference service. */
export function connectInference(options: { address: string; tls?: CallerTls; deadlineMs?: number }): InferenceConnection {
  validateAddress(options.address);
  const { address } = options;
  const deadlineMs = options.deadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
  const Inference = loadFedlinkProto().proto.fedlink.v1.Inference;
  const client = new Inference(address, channelCredentials(options.tls)) as InferenceClient;
  return {
    predict: (runId, inputShape, count, values, round) =>
      new Promise((resolve, reject) => {
        const request = { runId, shape: [count, ...inputShape], data: Buffer.from(float32ToBytes(values)), ...(round !== undefined && { round }) };
        client.predict(request, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res?: PredictResponse__Output) => {
          if (err || !res) return reject(fromRpcError(err, { address, method: 'Predict', deadlineMs, tls: options.tls !== undefined }));
          resolve({ round: res.round, version: res.modelVersion, shape: res.shape, values: Float32Array.from(res.values) });
        });
      }),
    close: () => client.close(),
  };
}

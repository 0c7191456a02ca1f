/**
 * The Inference service: Predict through the auth hook (the caller Control
 * would need, per method-policy.ts), the request checked against the limits,
 * a lease on the run's current (or pinned) model held for the call, and every
 * error mapped to its status in the one table (common/grpc-status.ts).
 */
import { status, type handleUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { UnavailableError } from '../../../common/errors';
import { statusFor, toGrpcError } from '../../../common/grpc-status';
import type { Logger } from '../../../common/logger';
import type { InferenceHandlers } from '../../../proto/gen/fedlink/v1/Inference';
import type { PredictRequest__Output } from '../../../proto/gen/fedlink/v1/PredictRequest';
import type { PredictResponse } from '../../../proto/gen/fedlink/v1/PredictResponse';
import type { AuthHook } from '../auth/auth-hook';
import type { Limits } from '../limits';
import { checkFitsModel, fromWirePredictRequest } from './predict-request';
import type { ServedModels } from './served-models';

/** What the Inference handlers work with. */
export interface InferenceServiceDeps {
  models: ServedModels;
  auth: AuthHook;
  logger: Logger;
  limits: Pick<Limits, 'maxPredictBatch' | 'maxPredictBytes'>;
  /** Why calls are refused right now (draining), or undefined. */
  unavailable?: () => string | undefined;
}

/** Builds the Inference service implementation. */
export function createInferenceService(deps: InferenceServiceDeps): InferenceHandlers {
  const log = deps.logger.child({ component: 'inference' });

  async function predict(req: PredictRequest__Output): Promise<PredictResponse> {
    const refused = deps.unavailable?.();
    if (refused) throw new UnavailableError(refused);
    const inputs = fromWirePredictRequest(req, deps.limits);
    const lease = await deps.models.acquire(inputs.runId, inputs.round);
    try {
      checkFitsModel(inputs, lease.predictor.inputShape);
      const out = await lease.predictor.predict(inputs.values, inputs.count);
      return { runId: lease.runId, round: lease.round, modelVersion: lease.version, shape: [inputs.count, ...lease.predictor.outputShape], values: Array.from(out) };
    } finally {
      lease.release();
    }
  }

  const Predict: handleUnaryCall<PredictRequest__Output, PredictResponse> = (call, callback) => {
    Promise.resolve()
      .then(() => deps.auth(call, { service: 'inference', method: 'Predict' }))
      .then(() => predict(call.request))
      .then(
        (res) => callback(null, res),
        (err: unknown) => {
          if (statusFor(err) === status.INTERNAL) log.error({ err, runId: String(call.request.runId).slice(0, 64) }, 'predict failed');
          callback(toGrpcError(err) as ServiceError);
        },
      );
  };

  return { Predict };
}

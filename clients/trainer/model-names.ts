/**
 * Names in the model registry (models.ts builds each one). Apart from models.ts
 * so flags and wire checks can list them without loading TFJS.
 */
import type { ModelName } from '../../common/types';

/** Names of the models the registry can build. */
export const MODEL_NAMES: readonly ModelName[] = ['mlp', 'cnn'];

// Original file: proto/fedlink/v1/common.proto

import type { OptimizerSpec as _fedlink_v1_OptimizerSpec, OptimizerSpec__Output as _fedlink_v1_OptimizerSpec__Output } from '../../fedlink/v1/OptimizerSpec';

export interface Objective {
  'loss'?: (string);
  'metrics'?: (string)[];
  'optimizer'?: (_fedlink_v1_OptimizerSpec | null);
}

export interface Objective__Output {
  'loss': (string);
  'metrics': (string)[];
  'optimizer': (_fedlink_v1_OptimizerSpec__Output | null);
}

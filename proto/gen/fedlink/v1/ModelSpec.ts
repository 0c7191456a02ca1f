// Original file: proto/fedlink/v1/common.proto

import type { TensorSpec as _fedlink_v1_TensorSpec, TensorSpec__Output as _fedlink_v1_TensorSpec__Output } from '../../fedlink/v1/TensorSpec';
import type { Objective as _fedlink_v1_Objective, Objective__Output as _fedlink_v1_Objective__Output } from '../../fedlink/v1/Objective';
import type { Preprocessing as _fedlink_v1_Preprocessing, Preprocessing__Output as _fedlink_v1_Preprocessing__Output } from '../../fedlink/v1/Preprocessing';

export interface ModelSpec {
  'name'?: (string);
  'inputShape'?: (number)[];
  'numClasses'?: (number);
  'tensors'?: (_fedlink_v1_TensorSpec)[];
  'topology'?: (string);
  'outputShape'?: (number)[];
  'objective'?: (_fedlink_v1_Objective | null);
  'preprocessing'?: (_fedlink_v1_Preprocessing | null);
}

export interface ModelSpec__Output {
  'name': (string);
  'inputShape': (number)[];
  'numClasses': (number);
  'tensors': (_fedlink_v1_TensorSpec__Output)[];
  'topology': (string);
  'outputShape': (number)[];
  'objective': (_fedlink_v1_Objective__Output | null);
  'preprocessing': (_fedlink_v1_Preprocessing__Output | null);
}

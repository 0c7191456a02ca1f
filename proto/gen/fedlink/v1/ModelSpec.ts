// Original file: proto/fedlink/v1/common.proto

import type { TensorSpec as _fedlink_v1_TensorSpec, TensorSpec__Output as _fedlink_v1_TensorSpec__Output } from '../../fedlink/v1/TensorSpec';

export interface ModelSpec {
  'name'?: (string);
  'inputShape'?: (number)[];
  'numClasses'?: (number);
  'tensors'?: (_fedlink_v1_TensorSpec)[];
}

export interface ModelSpec__Output {
  'name': (string);
  'inputShape': (number)[];
  'numClasses': (number);
  'tensors': (_fedlink_v1_TensorSpec__Output)[];
}

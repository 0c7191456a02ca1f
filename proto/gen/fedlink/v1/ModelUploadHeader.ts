// Original file: proto/fedlink/v1/control.proto

import type { TensorSpec as _fedlink_v1_TensorSpec, TensorSpec__Output as _fedlink_v1_TensorSpec__Output } from '../../fedlink/v1/TensorSpec';
import type { Long } from '@grpc/proto-loader';

export interface ModelUploadHeader {
  'name'?: (string);
  'topology'?: (string);
  'weightsBytes'?: (number | string | Long);
  'weightsSha256'?: (string);
  'weightSpecs'?: (_fedlink_v1_TensorSpec)[];
}

export interface ModelUploadHeader__Output {
  'name': (string);
  'topology': (string);
  'weightsBytes': (number);
  'weightsSha256': (string);
  'weightSpecs': (_fedlink_v1_TensorSpec__Output)[];
}

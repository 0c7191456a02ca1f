// Original file: proto/fedlink/v1/common.proto

import type { TensorSpec as _fedlink_v1_TensorSpec, TensorSpec__Output as _fedlink_v1_TensorSpec__Output } from '../../fedlink/v1/TensorSpec';
import type { Long } from '@grpc/proto-loader';

export interface TransferHeader {
  'transferId'?: (string);
  'encoding'?: (string);
  'totalBytes'?: (number | string | Long);
  'sha256'?: (string);
  'tensors'?: (_fedlink_v1_TensorSpec)[];
  'chunkDigest'?: (string);
}

export interface TransferHeader__Output {
  'transferId': (string);
  'encoding': (string);
  'totalBytes': (number);
  'sha256': (string);
  'tensors': (_fedlink_v1_TensorSpec__Output)[];
  'chunkDigest': (string);
}

// Original file: proto/fedlink/v1/control.proto

import type { TransferHeader as _fedlink_v1_TransferHeader, TransferHeader__Output as _fedlink_v1_TransferHeader__Output } from '../../fedlink/v1/TransferHeader';
import type { ModelSpec as _fedlink_v1_ModelSpec, ModelSpec__Output as _fedlink_v1_ModelSpec__Output } from '../../fedlink/v1/ModelSpec';
import type { Long } from '@grpc/proto-loader';

export interface ModelExportChunk {
  'header'?: (_fedlink_v1_TransferHeader | null);
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  'model'?: (_fedlink_v1_ModelSpec | null);
  'round'?: (number);
}

export interface ModelExportChunk__Output {
  'header': (_fedlink_v1_TransferHeader__Output | null);
  'offset': (number);
  'data': (Buffer);
  'model': (_fedlink_v1_ModelSpec__Output | null);
  'round': (number);
}

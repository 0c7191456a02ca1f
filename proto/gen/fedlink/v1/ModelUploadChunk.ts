// Original file: proto/fedlink/v1/control.proto

import type { ModelUploadHeader as _fedlink_v1_ModelUploadHeader, ModelUploadHeader__Output as _fedlink_v1_ModelUploadHeader__Output } from '../../fedlink/v1/ModelUploadHeader';
import type { Long } from '@grpc/proto-loader';

export interface ModelUploadChunk {
  'header'?: (_fedlink_v1_ModelUploadHeader | null);
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface ModelUploadChunk__Output {
  'header': (_fedlink_v1_ModelUploadHeader__Output | null);
  'offset': (number);
  'data': (Buffer);
}

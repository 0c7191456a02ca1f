// Original file: proto/fedlink/v1/fleet.proto

import type { TransferHeader as _fedlink_v1_TransferHeader, TransferHeader__Output as _fedlink_v1_TransferHeader__Output } from '../../fedlink/v1/TransferHeader';
import type { Long } from '@grpc/proto-loader';

export interface ModelChunk {
  'header'?: (_fedlink_v1_TransferHeader | null);
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface ModelChunk__Output {
  'header': (_fedlink_v1_TransferHeader__Output | null);
  'offset': (number);
  'data': (Buffer);
}

// Original file: proto/fedlink/v1/fleet.proto

import type { TransferHeader as _fedlink_v1_TransferHeader, TransferHeader__Output as _fedlink_v1_TransferHeader__Output } from '../../fedlink/v1/TransferHeader';
import type { UpdateMeta as _fedlink_v1_UpdateMeta, UpdateMeta__Output as _fedlink_v1_UpdateMeta__Output } from '../../fedlink/v1/UpdateMeta';
import type { Long } from '@grpc/proto-loader';

export interface UpdateChunk {
  'header'?: (_fedlink_v1_TransferHeader | null);
  'meta'?: (_fedlink_v1_UpdateMeta | null);
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  'xxh64'?: (Buffer | Uint8Array | string);
}

export interface UpdateChunk__Output {
  'header': (_fedlink_v1_TransferHeader__Output | null);
  'meta': (_fedlink_v1_UpdateMeta__Output | null);
  'offset': (number);
  'data': (Buffer);
  'xxh64': (Buffer);
}

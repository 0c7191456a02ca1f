// Original file: proto/fedlink/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface ProbeReply {
  'id'?: (number | string | Long);
}

export interface ProbeReply__Output {
  'id': (number);
}

// Original file: proto/fedlink/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatAck {
  'seq'?: (number | string | Long);
  'clientSentAtMs'?: (number | string | Long);
}

export interface HeartbeatAck__Output {
  'seq': (number);
  'clientSentAtMs': (number);
}

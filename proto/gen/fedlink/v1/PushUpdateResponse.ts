// Original file: proto/fedlink/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface PushUpdateResponse {
  'transferId'?: (string);
  'receivedBytes'?: (number | string | Long);
}

export interface PushUpdateResponse__Output {
  'transferId': (string);
  'receivedBytes': (number);
}

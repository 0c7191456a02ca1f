// Original file: proto/fedlink/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface QueryUpdateResponse {
  'receivedBytes'?: (number | string | Long);
}

export interface QueryUpdateResponse__Output {
  'receivedBytes': (number);
}

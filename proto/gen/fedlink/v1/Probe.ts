// Original file: proto/fedlink/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface Probe {
  'id'?: (number | string | Long);
}

export interface Probe__Output {
  'id': (number);
}

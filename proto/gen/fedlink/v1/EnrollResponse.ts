// Original file: proto/fedlink/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface EnrollResponse {
  'clientId'?: (string);
  'certificatePem'?: (string);
  'caPem'?: (string);
  'notAfterMs'?: (number | string | Long);
}

export interface EnrollResponse__Output {
  'clientId': (string);
  'certificatePem': (string);
  'caPem': (string);
  'notAfterMs': (number);
}

// Original file: proto/fedlink/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface CreateEnrollmentResponse {
  'clientId'?: (string);
  'token'?: (string);
  'expiresAtMs'?: (number | string | Long);
}

export interface CreateEnrollmentResponse__Output {
  'clientId': (string);
  'token': (string);
  'expiresAtMs': (number);
}

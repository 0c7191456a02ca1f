// Original file: proto/fedlink/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface CreateEnrollmentRequest {
  'clientId'?: (string);
  'ttlMs'?: (number | string | Long);
}

export interface CreateEnrollmentRequest__Output {
  'clientId': (string);
  'ttlMs': (number);
}

// Original file: proto/fedlink/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface Checkpoint {
  'round'?: (number);
  'version'?: (string);
  'bytes'?: (number | string | Long);
  'atMs'?: (number | string | Long);
}

export interface Checkpoint__Output {
  'round': (number);
  'version': (string);
  'bytes': (number);
  'atMs': (number);
}

// Original file: proto/fedlink/v1/common.proto

import type { Long } from '@grpc/proto-loader';

export interface Metrics {
  'loss'?: (number | string);
  'accuracy'?: (number | string);
  'numExamples'?: (number | string | Long);
}

export interface Metrics__Output {
  'loss': (number);
  'accuracy': (number);
  'numExamples': (number);
}

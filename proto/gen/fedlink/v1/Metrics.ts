// Original file: proto/fedlink/v1/common.proto

import type { Long } from '@grpc/proto-loader';

export interface Metrics {
  'loss'?: (number | string);
  'accuracy'?: (number | string);
  'numExamples'?: (number | string | Long);
  'mae'?: (number | string);
  'mse'?: (number | string);
  '_mae'?: "mae";
  '_mse'?: "mse";
}

export interface Metrics__Output {
  'loss': (number);
  'accuracy': (number);
  'numExamples': (number);
  'mae'?: (number);
  'mse'?: (number);
  '_mae'?: "mae";
  '_mse'?: "mse";
}

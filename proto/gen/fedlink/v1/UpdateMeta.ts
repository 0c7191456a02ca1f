// Original file: proto/fedlink/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface UpdateMeta {
  'taskId'?: (string);
  'runId'?: (string);
  'round'?: (number);
  'numExamples'?: (number | string | Long);
}

export interface UpdateMeta__Output {
  'taskId': (string);
  'runId': (string);
  'round': (number);
  'numExamples': (number);
}

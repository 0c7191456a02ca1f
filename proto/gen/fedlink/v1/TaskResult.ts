// Original file: proto/fedlink/v1/fleet.proto

import type { Metrics as _fedlink_v1_Metrics, Metrics__Output as _fedlink_v1_Metrics__Output } from '../../fedlink/v1/Metrics';
import type { Long } from '@grpc/proto-loader';

export interface TaskResult {
  'taskId'?: (string);
  'runId'?: (string);
  'round'?: (number);
  'transferId'?: (string);
  'numExamples'?: (number | string | Long);
  'train'?: (_fedlink_v1_Metrics | null);
  'localEval'?: (_fedlink_v1_Metrics | null);
  'durationMs'?: (number);
  'downloadMs'?: (number);
}

export interface TaskResult__Output {
  'taskId': (string);
  'runId': (string);
  'round': (number);
  'transferId': (string);
  'numExamples': (number);
  'train': (_fedlink_v1_Metrics__Output | null);
  'localEval': (_fedlink_v1_Metrics__Output | null);
  'durationMs': (number);
  'downloadMs': (number);
}

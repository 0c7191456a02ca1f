// Original file: proto/fedlink/v1/control.proto

import type { RoundClient as _fedlink_v1_RoundClient, RoundClient__Output as _fedlink_v1_RoundClient__Output } from '../../fedlink/v1/RoundClient';
import type { Metrics as _fedlink_v1_Metrics, Metrics__Output as _fedlink_v1_Metrics__Output } from '../../fedlink/v1/Metrics';
import type { SchedulingMetrics as _fedlink_v1_SchedulingMetrics, SchedulingMetrics__Output as _fedlink_v1_SchedulingMetrics__Output } from '../../fedlink/v1/SchedulingMetrics';
import type { SkippedClient as _fedlink_v1_SkippedClient, SkippedClient__Output as _fedlink_v1_SkippedClient__Output } from '../../fedlink/v1/SkippedClient';
import type { Long } from '@grpc/proto-loader';

export interface Round {
  'runId'?: (string);
  'round'?: (number);
  'state'?: (string);
  'reason'?: (string);
  'attempt'?: (number);
  'startedAtMs'?: (number | string | Long);
  'endedAtMs'?: (number | string | Long);
  'deadlineUnixMs'?: (number | string | Long);
  'clients'?: (_fedlink_v1_RoundClient)[];
  'reported'?: (number);
  'meanTrainLoss'?: (number | string);
  'eval'?: (_fedlink_v1_Metrics | null);
  'bytesDown'?: (number | string | Long);
  'bytesUp'?: (number | string | Long);
  'modelVersion'?: (string);
  'scheduling'?: (_fedlink_v1_SchedulingMetrics | null);
  'skipped'?: (_fedlink_v1_SkippedClient)[];
  'checkpoint'?: (string);
  'strategyMetrics'?: ({[key: string]: number | string});
  'aggregation'?: (string);
}

export interface Round__Output {
  'runId': (string);
  'round': (number);
  'state': (string);
  'reason': (string);
  'attempt': (number);
  'startedAtMs': (number);
  'endedAtMs': (number);
  'deadlineUnixMs': (number);
  'clients': (_fedlink_v1_RoundClient__Output)[];
  'reported': (number);
  'meanTrainLoss': (number);
  'eval': (_fedlink_v1_Metrics__Output | null);
  'bytesDown': (number);
  'bytesUp': (number);
  'modelVersion': (string);
  'scheduling': (_fedlink_v1_SchedulingMetrics__Output | null);
  'skipped': (_fedlink_v1_SkippedClient__Output)[];
  'checkpoint': (string);
  'strategyMetrics': ({[key: string]: number});
  'aggregation': (string);
}

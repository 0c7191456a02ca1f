// Original file: proto/fedlink/v1/fleet.proto

import type { TaskKind as _fedlink_v1_TaskKind, TaskKind__Output as _fedlink_v1_TaskKind__Output } from '../../fedlink/v1/TaskKind';
import type { ModelSpec as _fedlink_v1_ModelSpec, ModelSpec__Output as _fedlink_v1_ModelSpec__Output } from '../../fedlink/v1/ModelSpec';
import type { TrainConfig as _fedlink_v1_TrainConfig, TrainConfig__Output as _fedlink_v1_TrainConfig__Output } from '../../fedlink/v1/TrainConfig';
import type { Long } from '@grpc/proto-loader';

export interface TaskAssignment {
  'taskId'?: (string);
  'runId'?: (string);
  'round'?: (number);
  'kind'?: (_fedlink_v1_TaskKind);
  'model'?: (_fedlink_v1_ModelSpec | null);
  'modelVersion'?: (string);
  'modelBytes'?: (number | string | Long);
  'train'?: (_fedlink_v1_TrainConfig | null);
  'deadlineUnixMs'?: (number | string | Long);
  'updateEncoding'?: (string);
  'modelEncoding'?: (string);
  'sparseAverage'?: (boolean);
}

export interface TaskAssignment__Output {
  'taskId': (string);
  'runId': (string);
  'round': (number);
  'kind': (_fedlink_v1_TaskKind__Output);
  'model': (_fedlink_v1_ModelSpec__Output | null);
  'modelVersion': (string);
  'modelBytes': (number);
  'train': (_fedlink_v1_TrainConfig__Output | null);
  'deadlineUnixMs': (number);
  'updateEncoding': (string);
  'modelEncoding': (string);
  'sparseAverage': (boolean);
}

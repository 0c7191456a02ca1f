// Original file: proto/fedlink/v1/control.proto

import type { RunConfig as _fedlink_v1_RunConfig, RunConfig__Output as _fedlink_v1_RunConfig__Output } from '../../fedlink/v1/RunConfig';
import type { ModelSpec as _fedlink_v1_ModelSpec, ModelSpec__Output as _fedlink_v1_ModelSpec__Output } from '../../fedlink/v1/ModelSpec';
import type { Metrics as _fedlink_v1_Metrics, Metrics__Output as _fedlink_v1_Metrics__Output } from '../../fedlink/v1/Metrics';
import type { Checkpoint as _fedlink_v1_Checkpoint, Checkpoint__Output as _fedlink_v1_Checkpoint__Output } from '../../fedlink/v1/Checkpoint';
import type { PrivacySpent as _fedlink_v1_PrivacySpent, PrivacySpent__Output as _fedlink_v1_PrivacySpent__Output } from '../../fedlink/v1/PrivacySpent';
import type { Long } from '@grpc/proto-loader';

export interface Run {
  'runId'?: (string);
  'state'?: (string);
  'config'?: (_fedlink_v1_RunConfig | null);
  'currentRound'?: (number);
  'committedRounds'?: (number);
  'createdAtMs'?: (number | string | Long);
  'updatedAtMs'?: (number | string | Long);
  'reason'?: (string);
  'model'?: (_fedlink_v1_ModelSpec | null);
  'latestEval'?: (_fedlink_v1_Metrics | null);
  'modelVersion'?: (string);
  'checkpoints'?: (_fedlink_v1_Checkpoint)[];
  'privacy'?: (_fedlink_v1_PrivacySpent | null);
}

export interface Run__Output {
  'runId': (string);
  'state': (string);
  'config': (_fedlink_v1_RunConfig__Output | null);
  'currentRound': (number);
  'committedRounds': (number);
  'createdAtMs': (number);
  'updatedAtMs': (number);
  'reason': (string);
  'model': (_fedlink_v1_ModelSpec__Output | null);
  'latestEval': (_fedlink_v1_Metrics__Output | null);
  'modelVersion': (string);
  'checkpoints': (_fedlink_v1_Checkpoint__Output)[];
  'privacy': (_fedlink_v1_PrivacySpent__Output | null);
}

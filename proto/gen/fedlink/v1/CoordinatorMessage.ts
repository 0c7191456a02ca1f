// Original file: proto/fedlink/v1/fleet.proto

import type { Welcome as _fedlink_v1_Welcome, Welcome__Output as _fedlink_v1_Welcome__Output } from '../../fedlink/v1/Welcome';
import type { TaskAssignment as _fedlink_v1_TaskAssignment, TaskAssignment__Output as _fedlink_v1_TaskAssignment__Output } from '../../fedlink/v1/TaskAssignment';
import type { CancelTask as _fedlink_v1_CancelTask, CancelTask__Output as _fedlink_v1_CancelTask__Output } from '../../fedlink/v1/CancelTask';
import type { HeartbeatAck as _fedlink_v1_HeartbeatAck, HeartbeatAck__Output as _fedlink_v1_HeartbeatAck__Output } from '../../fedlink/v1/HeartbeatAck';
import type { Drain as _fedlink_v1_Drain, Drain__Output as _fedlink_v1_Drain__Output } from '../../fedlink/v1/Drain';
import type { Probe as _fedlink_v1_Probe, Probe__Output as _fedlink_v1_Probe__Output } from '../../fedlink/v1/Probe';

export interface CoordinatorMessage {
  'welcome'?: (_fedlink_v1_Welcome | null);
  'task'?: (_fedlink_v1_TaskAssignment | null);
  'cancel'?: (_fedlink_v1_CancelTask | null);
  'heartbeatAck'?: (_fedlink_v1_HeartbeatAck | null);
  'drain'?: (_fedlink_v1_Drain | null);
  'probe'?: (_fedlink_v1_Probe | null);
  'kind'?: "welcome"|"task"|"cancel"|"heartbeatAck"|"drain"|"probe";
}

export interface CoordinatorMessage__Output {
  'welcome'?: (_fedlink_v1_Welcome__Output | null);
  'task'?: (_fedlink_v1_TaskAssignment__Output | null);
  'cancel'?: (_fedlink_v1_CancelTask__Output | null);
  'heartbeatAck'?: (_fedlink_v1_HeartbeatAck__Output | null);
  'drain'?: (_fedlink_v1_Drain__Output | null);
  'probe'?: (_fedlink_v1_Probe__Output | null);
  'kind'?: "welcome"|"task"|"cancel"|"heartbeatAck"|"drain"|"probe";
}

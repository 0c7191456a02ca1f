// Original file: proto/fedlink/v1/fleet.proto

import type { Hello as _fedlink_v1_Hello, Hello__Output as _fedlink_v1_Hello__Output } from '../../fedlink/v1/Hello';
import type { Heartbeat as _fedlink_v1_Heartbeat, Heartbeat__Output as _fedlink_v1_Heartbeat__Output } from '../../fedlink/v1/Heartbeat';
import type { TaskResult as _fedlink_v1_TaskResult, TaskResult__Output as _fedlink_v1_TaskResult__Output } from '../../fedlink/v1/TaskResult';
import type { TaskFailure as _fedlink_v1_TaskFailure, TaskFailure__Output as _fedlink_v1_TaskFailure__Output } from '../../fedlink/v1/TaskFailure';
import type { Goodbye as _fedlink_v1_Goodbye, Goodbye__Output as _fedlink_v1_Goodbye__Output } from '../../fedlink/v1/Goodbye';
import type { ProbeReply as _fedlink_v1_ProbeReply, ProbeReply__Output as _fedlink_v1_ProbeReply__Output } from '../../fedlink/v1/ProbeReply';

export interface ClientMessage {
  'hello'?: (_fedlink_v1_Hello | null);
  'heartbeat'?: (_fedlink_v1_Heartbeat | null);
  'result'?: (_fedlink_v1_TaskResult | null);
  'failure'?: (_fedlink_v1_TaskFailure | null);
  'goodbye'?: (_fedlink_v1_Goodbye | null);
  'probeReply'?: (_fedlink_v1_ProbeReply | null);
  'kind'?: "hello"|"heartbeat"|"result"|"failure"|"goodbye"|"probeReply";
}

export interface ClientMessage__Output {
  'hello'?: (_fedlink_v1_Hello__Output | null);
  'heartbeat'?: (_fedlink_v1_Heartbeat__Output | null);
  'result'?: (_fedlink_v1_TaskResult__Output | null);
  'failure'?: (_fedlink_v1_TaskFailure__Output | null);
  'goodbye'?: (_fedlink_v1_Goodbye__Output | null);
  'probeReply'?: (_fedlink_v1_ProbeReply__Output | null);
  'kind'?: "hello"|"heartbeat"|"result"|"failure"|"goodbye"|"probeReply";
}

// Original file: proto/fedlink/v1/fleet.proto

import type { TaskProgress as _fedlink_v1_TaskProgress, TaskProgress__Output as _fedlink_v1_TaskProgress__Output } from '../../fedlink/v1/TaskProgress';
import type { LinkReport as _fedlink_v1_LinkReport, LinkReport__Output as _fedlink_v1_LinkReport__Output } from '../../fedlink/v1/LinkReport';
import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  'seq'?: (number | string | Long);
  'sentAtMs'?: (number | string | Long);
  'progress'?: (_fedlink_v1_TaskProgress | null);
  'link'?: (_fedlink_v1_LinkReport | null);
}

export interface Heartbeat__Output {
  'seq': (number);
  'sentAtMs': (number);
  'progress': (_fedlink_v1_TaskProgress__Output | null);
  'link': (_fedlink_v1_LinkReport__Output | null);
}

// Original file: proto/fedlink/v1/control.proto

import type { Run as _fedlink_v1_Run, Run__Output as _fedlink_v1_Run__Output } from '../../fedlink/v1/Run';
import type { Round as _fedlink_v1_Round, Round__Output as _fedlink_v1_Round__Output } from '../../fedlink/v1/Round';
import type { WatchedClient as _fedlink_v1_WatchedClient, WatchedClient__Output as _fedlink_v1_WatchedClient__Output } from '../../fedlink/v1/WatchedClient';
import type { Long } from '@grpc/proto-loader';

export interface RunEvent {
  'run'?: (_fedlink_v1_Run | null);
  'round'?: (_fedlink_v1_Round | null);
  'clients'?: (_fedlink_v1_WatchedClient)[];
  'sentAtMs'?: (number | string | Long);
}

export interface RunEvent__Output {
  'run': (_fedlink_v1_Run__Output | null);
  'round': (_fedlink_v1_Round__Output | null);
  'clients': (_fedlink_v1_WatchedClient__Output)[];
  'sentAtMs': (number);
}

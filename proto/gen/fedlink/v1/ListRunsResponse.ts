// Original file: proto/fedlink/v1/control.proto

import type { Run as _fedlink_v1_Run, Run__Output as _fedlink_v1_Run__Output } from '../../fedlink/v1/Run';

export interface ListRunsResponse {
  'runs'?: (_fedlink_v1_Run)[];
}

export interface ListRunsResponse__Output {
  'runs': (_fedlink_v1_Run__Output)[];
}

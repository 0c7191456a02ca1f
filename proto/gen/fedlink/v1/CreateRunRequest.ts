// Original file: proto/fedlink/v1/control.proto

import type { RunConfig as _fedlink_v1_RunConfig, RunConfig__Output as _fedlink_v1_RunConfig__Output } from '../../fedlink/v1/RunConfig';

export interface CreateRunRequest {
  'config'?: (_fedlink_v1_RunConfig | null);
  'start'?: (boolean);
}

export interface CreateRunRequest__Output {
  'config': (_fedlink_v1_RunConfig__Output | null);
  'start': (boolean);
}

// Original file: proto/fedlink/v1/control.proto

import type { Round as _fedlink_v1_Round, Round__Output as _fedlink_v1_Round__Output } from '../../fedlink/v1/Round';

export interface ListRoundsResponse {
  'rounds'?: (_fedlink_v1_Round)[];
}

export interface ListRoundsResponse__Output {
  'rounds': (_fedlink_v1_Round__Output)[];
}

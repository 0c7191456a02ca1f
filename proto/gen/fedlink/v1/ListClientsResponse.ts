// Original file: proto/fedlink/v1/control.proto

import type { ClientInfo as _fedlink_v1_ClientInfo, ClientInfo__Output as _fedlink_v1_ClientInfo__Output } from '../../fedlink/v1/ClientInfo';

export interface ListClientsResponse {
  'clients'?: (_fedlink_v1_ClientInfo)[];
}

export interface ListClientsResponse__Output {
  'clients': (_fedlink_v1_ClientInfo__Output)[];
}

// Original file: proto/fedlink/v1/control.proto

import type { LinkEstimate as _fedlink_v1_LinkEstimate, LinkEstimate__Output as _fedlink_v1_LinkEstimate__Output } from '../../fedlink/v1/LinkEstimate';
import type { Long } from '@grpc/proto-loader';

export interface ClientInfo {
  'clientId'?: (string);
  'status'?: (string);
  'lastSeenMs'?: (number | string | Long);
  'backend'?: (string);
  'datasetSize'?: (number | string | Long);
  'dataset'?: (string);
  'connectedAtMs'?: (number | string | Long);
  'peer'?: (string);
  'activity'?: (string);
  'link'?: (_fedlink_v1_LinkEstimate | null);
  'partition'?: (string);
}

export interface ClientInfo__Output {
  'clientId': (string);
  'status': (string);
  'lastSeenMs': (number);
  'backend': (string);
  'datasetSize': (number);
  'dataset': (string);
  'connectedAtMs': (number);
  'peer': (string);
  'activity': (string);
  'link': (_fedlink_v1_LinkEstimate__Output | null);
  'partition': (string);
}

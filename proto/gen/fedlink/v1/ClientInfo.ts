// Original file: proto/fedlink/v1/control.proto

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
}

// Original file: proto/fedlink/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchedClient {
  'clientId'?: (string);
  'progress'?: (number | string);
  'connected'?: (boolean);
  'lastSeenMs'?: (number | string | Long);
  'dropAtMs'?: (number | string | Long);
  '_progress'?: "progress";
}

export interface WatchedClient__Output {
  'clientId': (string);
  'progress'?: (number);
  'connected': (boolean);
  'lastSeenMs': (number);
  'dropAtMs': (number);
  '_progress'?: "progress";
}

// Original file: proto/fedlink/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface FetchModelRequest {
  'runId'?: (string);
  'round'?: (number);
  'modelVersion'?: (string);
  'offset'?: (number | string | Long);
  'encoding'?: (string);
}

export interface FetchModelRequest__Output {
  'runId': (string);
  'round': (number);
  'modelVersion': (string);
  'offset': (number);
  'encoding': (string);
}

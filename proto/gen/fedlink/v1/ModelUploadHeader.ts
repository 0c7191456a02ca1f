// Original file: proto/fedlink/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface ModelUploadHeader {
  'name'?: (string);
  'topology'?: (string);
  'weightsBytes'?: (number | string | Long);
  'weightsSha256'?: (string);
}

export interface ModelUploadHeader__Output {
  'name': (string);
  'topology': (string);
  'weightsBytes': (number);
  'weightsSha256': (string);
}

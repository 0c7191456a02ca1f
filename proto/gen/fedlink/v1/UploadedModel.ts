// Original file: proto/fedlink/v1/control.proto

import type { ModelSpec as _fedlink_v1_ModelSpec, ModelSpec__Output as _fedlink_v1_ModelSpec__Output } from '../../fedlink/v1/ModelSpec';
import type { Long } from '@grpc/proto-loader';

export interface UploadedModel {
  'uploadId'?: (string);
  'model'?: (_fedlink_v1_ModelSpec | null);
  'parameters'?: (number | string | Long);
  'expiresAtMs'?: (number | string | Long);
}

export interface UploadedModel__Output {
  'uploadId': (string);
  'model': (_fedlink_v1_ModelSpec__Output | null);
  'parameters': (number);
  'expiresAtMs': (number);
}

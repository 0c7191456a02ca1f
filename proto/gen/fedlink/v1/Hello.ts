// Original file: proto/fedlink/v1/fleet.proto

import type { Capabilities as _fedlink_v1_Capabilities, Capabilities__Output as _fedlink_v1_Capabilities__Output } from '../../fedlink/v1/Capabilities';
import type { Long } from '@grpc/proto-loader';

export interface Hello {
  'clientId'?: (string);
  'capabilities'?: (_fedlink_v1_Capabilities | null);
  'datasetSize'?: (number | string | Long);
  'resumeToken'?: (string);
  'version'?: (string);
}

export interface Hello__Output {
  'clientId': (string);
  'capabilities': (_fedlink_v1_Capabilities__Output | null);
  'datasetSize': (number);
  'resumeToken': (string);
  'version': (string);
}

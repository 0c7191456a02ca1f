// Original file: proto/fedlink/v1/common.proto

import type { Long } from '@grpc/proto-loader';

export interface LinkReport {
  'radio'?: (string);
  'slice'?: (string);
  'rttMs'?: (number | string);
  'jitterMs'?: (number | string);
  'upMbps'?: (number | string);
  'downMbps'?: (number | string);
  'loss'?: (number | string);
  'resets'?: (number);
  'metered'?: (boolean);
  'battery'?: (number | string);
  'charging'?: (boolean);
  'measuredAtMs'?: (number | string | Long);
}

export interface LinkReport__Output {
  'radio': (string);
  'slice': (string);
  'rttMs': (number);
  'jitterMs': (number);
  'upMbps': (number);
  'downMbps': (number);
  'loss': (number);
  'resets': (number);
  'metered': (boolean);
  'battery': (number);
  'charging': (boolean);
  'measuredAtMs': (number);
}

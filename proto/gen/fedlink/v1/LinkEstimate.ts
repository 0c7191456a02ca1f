// Original file: proto/fedlink/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface LinkEstimate {
  'presence'?: (string);
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
  'lastReportMs'?: (number | string | Long);
  'stale'?: (boolean);
  'estimatedRoundMs'?: (number);
  'disconnects'?: (number);
}

export interface LinkEstimate__Output {
  'presence': (string);
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
  'lastReportMs': (number);
  'stale': (boolean);
  'estimatedRoundMs': (number);
  'disconnects': (number);
}

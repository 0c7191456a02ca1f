// Original file: proto/fedlink/v1/control.proto


export interface SkippedClient {
  'clientId'?: (string);
  'reason'?: (string);
  'predictedMs'?: (number);
}

export interface SkippedClient__Output {
  'clientId': (string);
  'reason': (string);
  'predictedMs': (number);
}

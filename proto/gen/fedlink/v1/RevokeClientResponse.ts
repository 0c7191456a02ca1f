// Original file: proto/fedlink/v1/control.proto


export interface RevokeClientResponse {
  'clientId'?: (string);
  'sessionClosed'?: (boolean);
}

export interface RevokeClientResponse__Output {
  'clientId': (string);
  'sessionClosed': (boolean);
}

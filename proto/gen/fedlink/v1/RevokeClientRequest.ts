// Original file: proto/fedlink/v1/control.proto


export interface RevokeClientRequest {
  'clientId'?: (string);
  'reason'?: (string);
}

export interface RevokeClientRequest__Output {
  'clientId': (string);
  'reason': (string);
}

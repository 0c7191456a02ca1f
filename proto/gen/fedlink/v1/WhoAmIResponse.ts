// Original file: proto/fedlink/v1/control.proto


export interface WhoAmIResponse {
  'kind'?: (string);
  'name'?: (string);
  'role'?: (string);
  'tls'?: (boolean);
}

export interface WhoAmIResponse__Output {
  'kind': (string);
  'name': (string);
  'role': (string);
  'tls': (boolean);
}

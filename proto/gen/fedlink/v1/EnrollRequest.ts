// Original file: proto/fedlink/v1/fleet.proto


export interface EnrollRequest {
  'token'?: (string);
  'csrPem'?: (string);
}

export interface EnrollRequest__Output {
  'token': (string);
  'csrPem': (string);
}

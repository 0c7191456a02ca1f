// Original file: proto/fedlink/v1/fleet.proto


export interface Goodbye {
  'reason'?: (string);
}

export interface Goodbye__Output {
  'reason': (string);
}

// Original file: proto/fedlink/v1/fleet.proto


export interface Drain {
  'reason'?: (string);
  'reconnectAfterMs'?: (number);
  'final'?: (boolean);
}

export interface Drain__Output {
  'reason': (string);
  'reconnectAfterMs': (number);
  'final': (boolean);
}

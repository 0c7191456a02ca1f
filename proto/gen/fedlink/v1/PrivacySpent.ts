// Original file: proto/fedlink/v1/control.proto


export interface PrivacySpent {
  'epsilon'?: (number | string);
  'delta'?: (number | string);
  'rounds'?: (number);
  'noise'?: (number | string);
  'clip'?: (number | string);
  'targetEpsilon'?: (number | string);
}

export interface PrivacySpent__Output {
  'epsilon': (number);
  'delta': (number);
  'rounds': (number);
  'noise': (number);
  'clip': (number);
  'targetEpsilon': (number);
}

// Original file: proto/fedlink/v1/fleet.proto


export interface Capabilities {
  'backend'?: (string);
  'encodings'?: (string)[];
  'models'?: (string)[];
  'dataset'?: (string);
  'features'?: (string)[];
  'partition'?: (string);
}

export interface Capabilities__Output {
  'backend': (string);
  'encodings': (string)[];
  'models': (string)[];
  'dataset': (string);
  'features': (string)[];
  'partition': (string);
}

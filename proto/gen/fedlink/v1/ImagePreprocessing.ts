// Original file: proto/fedlink/v1/common.proto


export interface ImagePreprocessing {
  'height'?: (number);
  'width'?: (number);
  'channels'?: (number);
  'normalize'?: (boolean);
}

export interface ImagePreprocessing__Output {
  'height': (number);
  'width': (number);
  'channels': (number);
  'normalize': (boolean);
}

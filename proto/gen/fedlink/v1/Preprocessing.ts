// Original file: proto/fedlink/v1/common.proto

import type { ImagePreprocessing as _fedlink_v1_ImagePreprocessing, ImagePreprocessing__Output as _fedlink_v1_ImagePreprocessing__Output } from '../../fedlink/v1/ImagePreprocessing';

export interface Preprocessing {
  'labelColumn'?: (string);
  'featureColumns'?: (string)[];
  'shift'?: (number | string)[];
  'divide'?: (number | string)[];
  'image'?: (_fedlink_v1_ImagePreprocessing | null);
  'labels'?: (string)[];
}

export interface Preprocessing__Output {
  'labelColumn': (string);
  'featureColumns': (string)[];
  'shift': (number)[];
  'divide': (number)[];
  'image': (_fedlink_v1_ImagePreprocessing__Output | null);
  'labels': (string)[];
}

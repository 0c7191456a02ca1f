// Original file: proto/fedlink/v1/inference.proto


export interface PredictResponse {
  'runId'?: (string);
  'round'?: (number);
  'modelVersion'?: (string);
  'shape'?: (number)[];
  'values'?: (number | string)[];
}

export interface PredictResponse__Output {
  'runId': (string);
  'round': (number);
  'modelVersion': (string);
  'shape': (number)[];
  'values': (number)[];
}

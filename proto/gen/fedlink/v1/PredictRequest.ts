// Original file: proto/fedlink/v1/inference.proto


export interface PredictRequest {
  'runId'?: (string);
  'round'?: (number);
  'shape'?: (number)[];
  'data'?: (Buffer | Uint8Array | string);
  'values'?: (number | string)[];
  '_round'?: "round";
}

export interface PredictRequest__Output {
  'runId': (string);
  'round'?: (number);
  'shape': (number)[];
  'data': (Buffer);
  'values': (number)[];
  '_round'?: "round";
}

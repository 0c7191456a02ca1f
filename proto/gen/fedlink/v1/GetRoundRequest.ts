// Original file: proto/fedlink/v1/control.proto


export interface GetRoundRequest {
  'runId'?: (string);
  'round'?: (number);
}

export interface GetRoundRequest__Output {
  'runId': (string);
  'round': (number);
}

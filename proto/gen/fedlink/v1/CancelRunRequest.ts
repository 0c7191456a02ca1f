// Original file: proto/fedlink/v1/control.proto


export interface CancelRunRequest {
  'runId'?: (string);
}

export interface CancelRunRequest__Output {
  'runId': (string);
}

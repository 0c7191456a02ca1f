// Original file: proto/fedlink/v1/control.proto


export interface StartRunRequest {
  'runId'?: (string);
}

export interface StartRunRequest__Output {
  'runId': (string);
}

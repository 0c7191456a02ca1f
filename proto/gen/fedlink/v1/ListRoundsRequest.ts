// Original file: proto/fedlink/v1/control.proto


export interface ListRoundsRequest {
  'runId'?: (string);
}

export interface ListRoundsRequest__Output {
  'runId': (string);
}

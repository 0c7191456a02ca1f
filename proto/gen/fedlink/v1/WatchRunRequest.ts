// Original file: proto/fedlink/v1/control.proto


export interface WatchRunRequest {
  'runId'?: (string);
}

export interface WatchRunRequest__Output {
  'runId': (string);
}

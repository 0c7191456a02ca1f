// Original file: proto/fedlink/v1/fleet.proto


export interface CancelTask {
  'taskId'?: (string);
  'reason'?: (string);
}

export interface CancelTask__Output {
  'taskId': (string);
  'reason': (string);
}

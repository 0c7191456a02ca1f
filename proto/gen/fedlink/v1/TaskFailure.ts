// Original file: proto/fedlink/v1/fleet.proto


export interface TaskFailure {
  'taskId'?: (string);
  'runId'?: (string);
  'round'?: (number);
  'reason'?: (string);
}

export interface TaskFailure__Output {
  'taskId': (string);
  'runId': (string);
  'round': (number);
  'reason': (string);
}

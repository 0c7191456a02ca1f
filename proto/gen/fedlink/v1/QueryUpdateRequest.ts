// Original file: proto/fedlink/v1/fleet.proto


export interface QueryUpdateRequest {
  'runId'?: (string);
  'round'?: (number);
  'taskId'?: (string);
  'transferId'?: (string);
}

export interface QueryUpdateRequest__Output {
  'runId': (string);
  'round': (number);
  'taskId': (string);
  'transferId': (string);
}

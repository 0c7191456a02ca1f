// Original file: proto/fedlink/v1/fleet.proto


export interface TaskProgress {
  'taskId'?: (string);
  'fraction'?: (number | string);
  'epoch'?: (number);
  'loss'?: (number | string);
}

export interface TaskProgress__Output {
  'taskId': (string);
  'fraction': (number);
  'epoch': (number);
  'loss': (number);
}

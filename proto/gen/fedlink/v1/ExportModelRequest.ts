// Original file: proto/fedlink/v1/control.proto


export interface ExportModelRequest {
  'runId'?: (string);
  'round'?: (number);
}

export interface ExportModelRequest__Output {
  'runId': (string);
  'round': (number);
}

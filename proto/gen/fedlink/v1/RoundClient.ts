// Original file: proto/fedlink/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface RoundClient {
  'clientId'?: (string);
  'state'?: (string);
  'reason'?: (string);
  'numExamples'?: (number | string | Long);
  'trainLoss'?: (number | string);
  'trainAccuracy'?: (number | string);
  'durationMs'?: (number);
  'bytesDown'?: (number | string | Long);
  'bytesUp'?: (number | string | Long);
  'selectedAtMs'?: (number | string | Long);
  'dispatchedAtMs'?: (number | string | Long);
  'finishedAtMs'?: (number | string | Long);
  'localEvalLoss'?: (number | string);
  'localEvalAccuracy'?: (number | string);
  'predictedMs'?: (number);
  'actualMs'?: (number);
  'resumes'?: (number);
  'encoding'?: (string);
  'sparseAverage'?: (boolean);
  'downloadMs'?: (number);
  'uploadMs'?: (number);
}

export interface RoundClient__Output {
  'clientId': (string);
  'state': (string);
  'reason': (string);
  'numExamples': (number);
  'trainLoss': (number);
  'trainAccuracy': (number);
  'durationMs': (number);
  'bytesDown': (number);
  'bytesUp': (number);
  'selectedAtMs': (number);
  'dispatchedAtMs': (number);
  'finishedAtMs': (number);
  'localEvalLoss': (number);
  'localEvalAccuracy': (number);
  'predictedMs': (number);
  'actualMs': (number);
  'resumes': (number);
  'encoding': (string);
  'sparseAverage': (boolean);
  'downloadMs': (number);
  'uploadMs': (number);
}

// Original file: proto/fedlink/v1/control.proto


export interface SchedulingMetrics {
  'policy'?: (string);
  'meanWaitMs'?: (number | string);
  'p95WaitMs'?: (number | string);
  'meanResponseMs'?: (number | string);
  'p95ResponseMs'?: (number | string);
  'dropRate'?: (number | string);
  'meanAbsPredictionErrorMs'?: (number | string);
}

export interface SchedulingMetrics__Output {
  'policy': (string);
  'meanWaitMs': (number);
  'p95WaitMs': (number);
  'meanResponseMs': (number);
  'p95ResponseMs': (number);
  'dropRate': (number);
  'meanAbsPredictionErrorMs': (number);
}

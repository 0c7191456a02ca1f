// Original file: proto/fedlink/v1/common.proto


export interface TrainConfig {
  'localEpochs'?: (number);
  'batchSize'?: (number);
  'learningRate'?: (number | string);
  'seed'?: (number);
  'proximalMu'?: (number | string);
}

export interface TrainConfig__Output {
  'localEpochs': (number);
  'batchSize': (number);
  'learningRate': (number);
  'seed': (number);
  'proximalMu': (number);
}

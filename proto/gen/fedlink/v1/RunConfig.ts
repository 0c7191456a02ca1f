// Original file: proto/fedlink/v1/control.proto

import type { TrainConfig as _fedlink_v1_TrainConfig, TrainConfig__Output as _fedlink_v1_TrainConfig__Output } from '../../fedlink/v1/TrainConfig';

export interface RunConfig {
  'rounds'?: (number);
  'clientsPerRound'?: (number);
  'minClients'?: (number);
  'train'?: (_fedlink_v1_TrainConfig | null);
  'roundDeadlineMs'?: (number);
  'strategy'?: (string);
  'model'?: (string);
  'evalData'?: (string);
  'acceptFailures'?: (boolean);
  'selection'?: (string);
  'seed'?: (number);
  'maxRoundRetries'?: (number);
  'waitForClientsMs'?: (number);
  'overSelection'?: (number | string);
  'clientDeadlineFactor'?: (number | string);
  'compression'?: (string);
  'downlink'?: (string);
}

export interface RunConfig__Output {
  'rounds': (number);
  'clientsPerRound': (number);
  'minClients': (number);
  'train': (_fedlink_v1_TrainConfig__Output | null);
  'roundDeadlineMs': (number);
  'strategy': (string);
  'model': (string);
  'evalData': (string);
  'acceptFailures': (boolean);
  'selection': (string);
  'seed': (number);
  'maxRoundRetries': (number);
  'waitForClientsMs': (number);
  'overSelection': (number);
  'clientDeadlineFactor': (number);
  'compression': (string);
  'downlink': (string);
}

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
  'serverLr'?: (number | string);
  'serverMomentum'?: (number | string);
  'beta1'?: (number | string);
  'beta2'?: (number | string);
  'tau'?: (number | string);
  'proximalMu'?: (number | string);
  '_acceptFailures'?: "acceptFailures";
  '_seed'?: "seed";
  '_maxRoundRetries'?: "maxRoundRetries";
  '_serverLr'?: "serverLr";
  '_serverMomentum'?: "serverMomentum";
  '_beta1'?: "beta1";
  '_beta2'?: "beta2";
  '_tau'?: "tau";
  '_proximalMu'?: "proximalMu";
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
  'acceptFailures'?: (boolean);
  'selection': (string);
  'seed'?: (number);
  'maxRoundRetries'?: (number);
  'waitForClientsMs': (number);
  'overSelection': (number);
  'clientDeadlineFactor': (number);
  'compression': (string);
  'downlink': (string);
  'serverLr'?: (number);
  'serverMomentum'?: (number);
  'beta1'?: (number);
  'beta2'?: (number);
  'tau'?: (number);
  'proximalMu'?: (number);
  '_acceptFailures'?: "acceptFailures";
  '_seed'?: "seed";
  '_maxRoundRetries'?: "maxRoundRetries";
  '_serverLr'?: "serverLr";
  '_serverMomentum'?: "serverMomentum";
  '_beta1'?: "beta1";
  '_beta2'?: "beta2";
  '_tau'?: "tau";
  '_proximalMu'?: "proximalMu";
}

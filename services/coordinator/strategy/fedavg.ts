/** `fedavg`: the new global model is the round's example-weighted average (McMahan et al. 2017). */
import { adoptAggregate } from './server-opt';
import type { Strategy } from './types';

/** FedAvg: identity on the average; no options, no state. */
export const fedavgStrategy: Strategy<Record<never, number>> = {
  name: 'fedavg',
  help: 'FedAvg: the new model is the example-weighted average of the accepted updates',
  source: 'McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from Decentralized Data"',
  defaults: {},
  commit: adoptAggregate,
};

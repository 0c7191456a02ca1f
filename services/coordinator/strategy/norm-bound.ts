/**
 * `norm-bound:<C>`: FedAvg over updates whose distance from the global model
 * is clipped to L2 norm C (Sun et al. 2019, "Can You Really Backdoor Federated
 * Learning?"). The bound itself (`--norm-bound`) composes with every strategy;
 * this name is FedAvg with it required.
 */
import { adoptAggregate } from './server-opt';
import type { Strategy } from './types';

/** FedAvg with a norm bound. */
export const normBoundStrategy: Strategy<{ normBound?: number }> = {
  name: 'norm-bound',
  help: 'FedAvg of updates clipped to L2 norm C (norm-bound:<C>; --norm-bound C adds the same clipping to any strategy)',
  source: 'Sun et al. 2019, "Can You Really Backdoor Federated Learning?"',
  defaults: {},
  positional: ['normBound'],
  required: ['normBound'],
  commit: adoptAggregate,
};

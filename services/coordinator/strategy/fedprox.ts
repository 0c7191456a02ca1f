/**
 * `fedprox`: clients add the proximal term (μ/2)·‖w − w_global‖² to their local
 * loss (Li et al. 2020); the server side is FedAvg. μ travels in each task's
 * TrainConfig (common.proto) and clients/trainer/train.ts applies it.
 */
import { fedavgStrategy } from './fedavg';
import type { Strategy } from './types';

interface FedProxOptions {
  proximalMu: number;
}

/** FedProx: FedAvg on the server, μ sent to the clients. */
export const fedproxStrategy: Strategy<FedProxOptions> = {
  name: 'fedprox',
  help: 'FedProx: clients add (μ/2)·‖w − w_global‖² to their loss (--proximal-mu); the server averages as FedAvg',
  source: 'Li et al. 2020, "Federated Optimization in Heterogeneous Networks"; μ = 0.01 is from their grid {0.001, 0.01, 0.1, 1} (Flower\'s FedProx has no default)',
  defaults: { proximalMu: 0.01 },
  commit(input) {
    return fedavgStrategy.commit(input, {});
  },
  train(o) {
    return { proximalMu: o.proximalMu };
  },
};

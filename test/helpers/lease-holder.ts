/**
 * Child process for the lease tests: competes for the leader lease on the
 * NATS server given as argv[2] and prints `held` / `lost` as that changes,
 * until it is killed.
 */
import { silentLogger } from '../../common/logger';
import { LeaderLease } from '../../services/coordinator/ha/leader-lease';

const lease = new LeaderLease({
  servers: process.argv[2],
  holderId: `child-${process.pid}`,
  address: 'child:1',
  ttlMs: Number(process.argv[3] ?? 2000),
  logger: silentLogger(),
  onChange: (held) => process.stdout.write(held ? 'held\n' : 'lost\n'),
});
await lease.start();
setInterval(() => {}, 1 << 30);

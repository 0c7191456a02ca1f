/**
 * A Byzantine fedlink client as a process, started like `fedlink client`:
 *   node --import tsx test/bench/helpers/byzantine-client.ts --attack sign-flip <fedlink client flags>
 * See byzantine-command.ts for the flags and byzantine-attacks.ts for the attacks.
 */
import { silenceIpServernameWarning } from '../../../common/tls-ip-warning';
import { main } from './byzantine-command';

// As `fedlink` does: grpc-js dials IPs with TLS (common/tls-ip-warning.ts).
silenceIpServernameWarning();
process.exitCode = await main(process.argv);

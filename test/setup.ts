// Tests dial coordinators by IP over TLS, as the CLI does: silence Node's DEP0123 for that (common/tls-ip-warning.ts).
import { silenceIpServernameWarning } from '../common/tls-ip-warning';

silenceIpServernameWarning();

/** Every series table fedlink has, by the name docs/metrics.md and the Grafana dashboard's test know it under. */
import type { SeriesTable } from '../../../common/metrics/series';
import { DAEMON_SERIES } from '../../../clients/daemon/metrics/series';
import { COORDINATOR_SERIES } from './series';

/** The coordinator's and the daemon's series. */
export const DOCUMENTED_SERIES: Readonly<Record<'coordinator' | 'daemon', SeriesTable>> = { coordinator: COORDINATOR_SERIES, daemon: DAEMON_SERIES };

/**
 * One grpc.health.v1 Check against a coordinator, with the same channel
 * credentials as the Control calls, so a container health check or a probe
 * script sees exactly what an operator's CLI would.
 */
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { channelCredentials, type CallerTls } from '../../common/channel-credentials';
import { validateAddress } from '../daemon/options';
import { fromRpcError } from './errors';

/** What grpc.health.v1 answers for a service. */
export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** Where and what to ask. */
export interface HealthCheckOptions {
  address: string;
  tls?: CallerTls;
  /** The service to ask about; '' is the server as a whole. @default '' */
  service?: string;
  /** Deadline of the call, ms. @default 3000 */
  timeoutMs?: number;
}

const HealthClient = grpc.makeGenericClientConstructor(healthService as grpc.ServiceDefinition, 'grpc.health.v1.Health');

/** Resolves to the status the coordinator reports; rejects with a one-line CoordinatorCallError when the call fails. */
export function checkHealth(options: HealthCheckOptions): Promise<HealthStatus> {
  validateAddress(options.address);
  const timeoutMs = options.timeoutMs ?? 3000;
  const client = new HealthClient(options.address, channelCredentials(options.tls));
  const check = client as unknown as {
    Check(req: { service: string }, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: HealthStatus | number }) => void): void;
  };
  return new Promise<HealthStatus>((resolve, reject) => {
    check.Check({ service: options.service ?? '' }, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err) return reject(fromRpcError(err, { address: options.address, method: 'Health.Check', deadlineMs: timeoutMs, tls: options.tls !== undefined }));
      resolve(typeof res?.status === 'string' ? res.status : 'UNKNOWN');
    });
  });
}

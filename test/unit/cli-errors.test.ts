import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { FailedPreconditionError, InvalidArgumentError, MissingDependencyError, StateDirInUseError } from '../../common/errors';
import { CoordinatorCallError, errorLine, exitCodeFor, fromRpcError } from '../../clients/cli/errors';
import { formatAgo, formatBytes, formatDuration } from '../../clients/cli/format';

function rpcError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

const ctx = { address: '10.0.0.5:50051', method: 'ListRuns', deadlineMs: 10_000 };

describe('cli error mapping', () => {
  it('turns a refused connection into "cannot reach coordinator" with the address', () => {
    const err = fromRpcError(rpcError(status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 10.0.0.5:50051'), ctx);
    expect(err).toBeInstanceOf(CoordinatorCallError);
    expect(err.message).toBe('cannot reach coordinator at 10.0.0.5:50051 (is it running?)');
    expect(exitCodeFor(err)).toBe(1);
  });

  it('keeps the server reason when a reachable coordinator answers UNAVAILABLE (draining)', () => {
    expect(fromRpcError(rpcError(status.UNAVAILABLE, 'coordinator is draining'), ctx).message).toBe(
      'coordinator at 10.0.0.5:50051 is unavailable: coordinator is draining',
    );
  });

  it('names the deadline on DEADLINE_EXCEEDED', () => {
    expect(fromRpcError(rpcError(status.DEADLINE_EXCEEDED, 'Deadline exceeded after 10.001s'), ctx).message).toBe(
      'coordinator at 10.0.0.5:50051 did not answer ListRuns within 10s',
    );
  });

  it('passes the server details through for NOT_FOUND, INVALID_ARGUMENT and FAILED_PRECONDITION', () => {
    for (const code of [status.NOT_FOUND, status.INVALID_ARGUMENT, status.FAILED_PRECONDITION]) {
      expect(fromRpcError(rpcError(code, 'run run-9 not found'), ctx).message).toBe('run run-9 not found');
    }
  });

  it('points at --pki / FEDLINK_PKI for UNAUTHENTICATED, and names the method for PERMISSION_DENIED', () => {
    expect(fromRpcError(rpcError(status.UNAUTHENTICATED, 'no client certificate'), ctx).message).toMatch(/credentials \(no client certificate\): pass --pki <dir> or --tls-ca\/--tls-cert\/--tls-key \(env FEDLINK_PKI\)/);
    expect(fromRpcError(rpcError(status.PERMISSION_DENIED, 'admin only'), ctx).message).toMatch(/^permission denied for ListRuns: admin only/);
  });

  it('keeps every message on one line', () => {
    expect(fromRpcError(rpcError(status.INTERNAL, 'boom\n  at somewhere'), ctx).message).toBe('coordinator error in ListRuns: boom at somewhere');
  });

  it('exits 2 for invalid flags and a state directory held by another coordinator, 1 for other failures, and hides stack traces of unexpected errors', () => {
    expect(exitCodeFor(new InvalidArgumentError('bad'))).toBe(2);
    expect(exitCodeFor(new StateDirInUseError('state directory /s is in use by the coordinator with pid 7', 7))).toBe(2);
    expect(exitCodeFor(new FailedPreconditionError('run r is already completed'))).toBe(1);
    expect(exitCodeFor(new MissingDependencyError('install dataset-fashion-mnist'))).toBe(1);
    expect(errorLine(new MissingDependencyError('install dataset-fashion-mnist'))).toBe('install dataset-fashion-mnist');
    expect(errorLine(new TypeError('x is undefined'))).toBe('unexpected error: x is undefined (set FEDLINK_DEBUG=1 for details)');
  });
});

describe('cli exit codes and control characters', () => {
  it('exits 2 when the coordinator refuses a value the operator gave (INVALID_ARGUMENT), 1 for NOT_FOUND and FAILED_PRECONDITION', () => {
    expect(exitCodeFor(fromRpcError(rpcError(status.INVALID_ARGUMENT, 'cannot read /nope.csv: no such file'), ctx))).toBe(2);
    expect(exitCodeFor(fromRpcError(rpcError(status.NOT_FOUND, 'run run-9 not found'), ctx))).toBe(1);
    expect(exitCodeFor(fromRpcError(rpcError(status.FAILED_PRECONDITION, 'run r is already completed'), ctx))).toBe(1);
  });

  it('strips escape sequences a client or the coordinator put in an error message before it reaches the terminal', () => {
    const err = fromRpcError(rpcError(status.NOT_FOUND, 'client \u001b[2J\u001b]0;pwned\u0007edge-1\u001b[31m not found'), ctx);
    expect(err.message).toBe('client edge-1 not found');
    expect(errorLine(new TypeError('bad \u001b[31mred\u001b[0m'))).toBe('unexpected error: bad red (set FEDLINK_DEBUG=1 for details)');
  });
});

describe('cli formatting', () => {
  it('formats durations, byte counts and relative times for people', () => {
    expect([450, 12_345, 125_000, 3_720_000].map(formatDuration)).toEqual(['450ms', '12.3s', '2m05s', '1h02m']);
    expect(formatDuration(undefined)).toBe('-');
    expect([0, 512, 1536, 5 * 1024 * 1024].map(formatBytes)).toEqual(['0 B', '512 B', '1.5 KiB', '5.0 MiB']);
    expect(formatAgo(0)).toBe('never');
    expect(formatAgo(1_000, 31_000)).toBe('30s ago');
    expect(formatAgo(1_000, 2.5 * 3600_000)).toBe('2h ago');
  });
});

import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import * as errors from '../../common/errors';
import { statusFor, toGrpcError } from '../../common/grpc-status';

describe('grpc status table', () => {
  it('grpc status - maps each domain error to its status code', () => {
    expect(statusFor(new errors.InvalidArgumentError('x'))).toBe(status.INVALID_ARGUMENT);
    expect(statusFor(new errors.NotFoundError('x'))).toBe(status.NOT_FOUND);
    expect(statusFor(new errors.FailedPreconditionError('x'))).toBe(status.FAILED_PRECONDITION);
    expect(statusFor(new errors.StaleRoundError('x'))).toBe(status.ABORTED);
    expect(statusFor(new errors.ResourceExhaustedError('x'))).toBe(status.RESOURCE_EXHAUSTED);
    expect(statusFor(new errors.UnauthenticatedError('x'))).toBe(status.UNAUTHENTICATED);
    expect(statusFor(new errors.PermissionDeniedError('x'))).toBe(status.PERMISSION_DENIED);
    expect(statusFor(new errors.UnavailableError('x'))).toBe(status.UNAVAILABLE);
    expect(statusFor(new errors.CancelledError('x'))).toBe(status.CANCELLED);
    expect(statusFor(new errors.MissingDependencyError('x'))).toBe(status.FAILED_PRECONDITION);
  });

  it('grpc status - hides the message of unexpected errors behind INTERNAL', () => {
    const e = toGrpcError(new TypeError('secret detail at /path'));
    expect(e.code).toBe(status.INTERNAL);
    expect(e.details).toBe('internal error');
    expect(toGrpcError(new errors.NotFoundError('run r1 not found')).details).toBe('run r1 not found');
  });

  it('grpc status - errors carry their class name and cause', () => {
    const cause = new Error('root');
    const e = new errors.InvalidArgumentError('bad', { cause });
    expect(e.name).toBe('InvalidArgumentError');
    expect(e.cause).toBe(cause);
  });
});

/**
 * The one table that maps domain errors to gRPC status codes. grpc-js turns
 * any thrown error without a numeric `code` into UNKNOWN, so every handler
 * passes its errors through `toGrpcError` instead.
 */
import { status, type ServiceError, Metadata } from '@grpc/grpc-js';
import {
  CancelledError,
  DataLossError,
  FailedPreconditionError,
  InvalidArgumentError,
  MissingDependencyError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  StaleRoundError,
  UnauthenticatedError,
  UnavailableError,
} from './errors';

const TABLE: Array<[new (...args: never[]) => Error, status]> = [
  [InvalidArgumentError, status.INVALID_ARGUMENT],
  [NotFoundError, status.NOT_FOUND],
  [FailedPreconditionError, status.FAILED_PRECONDITION],
  [StaleRoundError, status.ABORTED],
  [ResourceExhaustedError, status.RESOURCE_EXHAUSTED],
  [UnauthenticatedError, status.UNAUTHENTICATED],
  [PermissionDeniedError, status.PERMISSION_DENIED],
  [UnavailableError, status.UNAVAILABLE],
  [CancelledError, status.CANCELLED],
  [DataLossError, status.DATA_LOSS],
  // A dataset or binary the server needs is not installed: the request cannot succeed until an operator acts.
  [MissingDependencyError, status.FAILED_PRECONDITION],
];

/** The gRPC status code for a domain error; INTERNAL for anything unexpected. */
export function statusFor(err: unknown): status {
  for (const [cls, code] of TABLE) if (err instanceof cls) return code;
  return status.INTERNAL;
}

/** Converts any error to a grpc ServiceError; unexpected errors get a generic message (details belong in the log). */
export function toGrpcError(err: unknown): Partial<ServiceError> {
  const code = statusFor(err);
  const details = code === status.INTERNAL ? 'internal error' : (err as Error).message;
  return { code, details, message: details, metadata: new Metadata() };
}

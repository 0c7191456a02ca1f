/**
 * Error → HTTP status for the dashboard: the error's gRPC status from the one
 * table (common/grpc-status.ts), then the HTTP status that gRPC code maps to
 * (as gRPC-gateways map them), so the two servers never disagree.
 */
import { status } from '@grpc/grpc-js';
import { statusFor } from '../../../common/grpc-status';

const HTTP_FOR: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.NOT_FOUND]: 404,
  [status.FAILED_PRECONDITION]: 412,
  [status.ABORTED]: 409,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.UNAUTHENTICATED]: 401,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAVAILABLE]: 503,
  [status.CANCELLED]: 499,
};

/** The HTTP status of an error, and the message a caller may see (internal details stay in the log). */
export function httpErrorFor(err: unknown): { status: number; message: string; internal: boolean } {
  const code = statusFor(err);
  const http = HTTP_FOR[code];
  return http === undefined ? { status: 500, message: 'internal error', internal: true } : { status: http, message: (err as Error).message, internal: false };
}

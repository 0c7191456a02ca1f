/**
 * A gRPC server interceptor that reports every call answered with a status
 * other than OK: one place sees the refusals of every service, whichever
 * handler refused.
 */
import * as grpc from '@grpc/grpc-js';

/** Counts refusals by method path (`/fedlink.v1.Fleet/PushUpdate`) and status name (`INVALID_ARGUMENT`). */
export function refusalInterceptor(onRefused: (method: string, code: string) => void): grpc.ServerInterceptor {
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      sendStatus(status, next) {
        if (status.code !== grpc.status.OK) onRefused(method.path, grpc.status[status.code] ?? String(status.code));
        next(status);
      },
    });
}

/** Short, loggable descriptions of failed calls, naming the gRPC status so a rejection says why. */
import { status } from '@grpc/grpc-js';

/** True for an error grpc-js produced from a call's final status. */
export function isRpcError(err: unknown): err is Error & { code: status; details?: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'number' && status[code] !== undefined;
}

/** "INVALID_ARGUMENT: bad checksum" for gRPC errors, the message for anything else. */
export function describeError(err: unknown): string {
  if (isRpcError(err)) {
    const name = status[err.code] ?? String(err.code);
    return err.details ? `${name}: ${err.details}` : name;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

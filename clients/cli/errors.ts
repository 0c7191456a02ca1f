/**
 * How the CLI turns failures into one line on stderr and an exit code: gRPC
 * statuses become operator-facing sentences; flag mistakes, flags the
 * coordinator refuses (INVALID_ARGUMENT) and a --state-dir held by another
 * coordinator exit 2 (usage); everything else exits 1. Stack traces only with
 * FEDLINK_DEBUG=1. The line is stripped of control characters: it may quote
 * what a client or the coordinator sent.
 */
import type { ServiceError } from '@grpc/grpc-js';
import { status } from './grpc-status';
import { CommanderError } from 'commander';
import { FedlinkError, InvalidArgumentError, StateDirInUseError } from '../../common/errors';
import { stripControl } from '../../common/sanitize';

/** Exit codes of the `fedlink` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A call to the coordinator failed; `message` is already the line to print. */
export class CoordinatorCallError extends FedlinkError {
  constructor(
    message: string,
    /** The gRPC status the call ended with. */
    readonly code: status,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where a failed call went, to name it in the message. */
export interface CallContext {
  address: string;
  method: string;
  deadlineMs: number;
  /** Whether the call went over TLS (what to suggest when the coordinator cannot be reached). */
  tls?: boolean;
}

// grpc-js wording when the channel never got a connection (as opposed to a server that answered UNAVAILABLE).
const CONNECT_FAILURE = /no connection established|connect E[A-Z]+|ENOTFOUND|EAI_AGAIN|name resolution|failed to connect|connection dropped|getaddrinfo/i;

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' && (err as unknown as { code: number }).code in status;
}

/** Maps a grpc-js call error to a CoordinatorCallError whose message is one readable line. */
export function fromRpcError(err: unknown, ctx: CallContext): Error {
  if (!isServiceError(err)) return err instanceof Error ? err : new Error(String(err));
  const details = (err.details || '').trim();
  const seconds = Math.round(ctx.deadlineMs / 100) / 10;
  let message: string;
  switch (err.code) {
    case status.UNAVAILABLE:
      message = /certificate|self.signed|handshake|alert/i.test(details)
        ? `TLS with coordinator at ${ctx.address} failed: ${details.replace(/^No connection established\. Last error: (Error: )?/, '').replace(/\. Resolution note:.*$/, '')} (does --pki hold this deployment's ca.crt?)`
        : !details || CONNECT_FAILURE.test(details)
          ? `cannot reach coordinator at ${ctx.address} (is it running?${ctx.tls === false ? ' If it serves TLS, pass --pki <dir> or --tls-ca/--tls-cert/--tls-key' : ''})`
          : `coordinator at ${ctx.address} is unavailable: ${details}`;
      break;
    case status.DEADLINE_EXCEEDED:
      message = `coordinator at ${ctx.address} did not answer ${ctx.method} within ${seconds}s`;
      break;
    case status.UNAUTHENTICATED:
      message = `coordinator rejected the credentials${details ? ` (${details})` : ''}: pass --pki <dir> or --tls-ca/--tls-cert/--tls-key (env FEDLINK_PKI)`;
      break;
    case status.PERMISSION_DENIED:
      message = `permission denied for ${ctx.method}${details ? `: ${details}` : ''}`;
      break;
    case status.UNIMPLEMENTED:
      message = `coordinator at ${ctx.address} does not implement ${ctx.method} (version mismatch?)`;
      break;
    case status.CANCELLED:
      message = `${ctx.method} was cancelled`;
      break;
    case status.NOT_FOUND:
    case status.INVALID_ARGUMENT:
    case status.FAILED_PRECONDITION:
    case status.ALREADY_EXISTS:
    case status.ABORTED:
    case status.RESOURCE_EXHAUSTED:
    case status.OUT_OF_RANGE:
      message = details || `${ctx.method} failed with ${status[err.code]}`;
      break;
    default:
      message = `coordinator error in ${ctx.method}: ${details || status[err.code]}`;
  }
  return new CoordinatorCallError(oneLine(message), err.code, { cause: err });
}

/** Exit code for an error that reached the top level. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end through commander's exit path with code 0.
    if (err.exitCode === 0) return EXIT.ok;
    return EXIT.usage;
  }
  // Both are the operator's to fix before trying again (a bad flag; another coordinator on the --state-dir).
  if (err instanceof InvalidArgumentError || err instanceof StateDirInUseError) return EXIT.usage;
  // The coordinator refused a value the operator gave (a flag it checks that this CLI does not, e.g. a newer strategy's option).
  if (err instanceof CoordinatorCallError && err.code === status.INVALID_ARGUMENT) return EXIT.usage;
  return EXIT.failure;
}

/** The single line printed for an error (without the "fedlink: " prefix). */
export function errorLine(err: unknown): string {
  if (err instanceof FedlinkError) return oneLine(err.message);
  if (err instanceof Error) return `unexpected error: ${oneLine(err.message)} (set FEDLINK_DEBUG=1 for details)`;
  return `unexpected error: ${oneLine(String(err))}`;
}

/** Joins a multi-line message into one line, without escape sequences or control characters. */
export function oneLine(text: string): string {
  return stripControl(text.trim().replace(/\s*\n\s*/g, ' '));
}

/**
 * Domain errors, one small class per failure (nats.js style: `name` set,
 * underlying `cause` attached). The mapping to gRPC status lives in
 * `grpc-status.ts`, in one table.
 */

/** Base class: every fedlink error carries a stable `name`. */
export class FedlinkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The input is malformed: wrong shape, NaN/Inf, bad checksum, bad flag value. */
export class InvalidArgumentError extends FedlinkError {}

/** The named run, round, client or transfer does not exist. */
export class NotFoundError extends FedlinkError {}

/** The request is valid but not in this phase (e.g. an update from a client that was not selected). */
export class FailedPreconditionError extends FedlinkError {}

/** The request refers to a round that is no longer current. */
export class StaleRoundError extends FedlinkError {}

/** A size or count limit was exceeded. */
export class ResourceExhaustedError extends FedlinkError {}

/** Credentials are missing or wrong. */
export class UnauthenticatedError extends FedlinkError {}

/** Credentials are valid but do not allow this call. */
export class PermissionDeniedError extends FedlinkError {}

/** The service is draining or not ready. */
export class UnavailableError extends FedlinkError {}

/** The operation was cancelled (e.g. a task's AbortSignal fired). */
export class CancelledError extends FedlinkError {}

/**
 * Stored bytes did not read back as they were written (a spool file changed
 * on disk between an upload's arrival and its fold); `offset` says where.
 */
export class DataLossError extends FedlinkError {
  /** Byte offset in the stored object where the loss was found, when known. */
  readonly offset?: number;

  constructor(message: string, options?: { cause?: unknown; offset?: number }) {
    super(message, options);
    this.offset = options?.offset;
  }
}

/** A required local resource (dataset, binary) is missing; the message says what to install. */
export class MissingDependencyError extends FedlinkError {}

/** The coordinator ended a client's session for good (a final drain: replaced by a newer session of its identity, or revoked). */
export class SessionEndedError extends FedlinkError {}

/** A device's enrollment did not give it usable credentials (token refused, no coordinator reachable, or a certificate that does not fit). */
export class EnrollmentError extends FedlinkError {}

/** The state directory belongs to another live coordinator process (an operator's mistake: the CLI exits 2). */
export class StateDirInUseError extends FailedPreconditionError {
  constructor(
    message: string,
    /** The pid of the coordinator that holds it. */
    readonly holderPid: number,
  ) {
    super(message);
  }
}

/** A stored run that cannot be resumed after a restart; the message is the reason it is marked failed with. */
export class RunNotResumableError extends FedlinkError {}

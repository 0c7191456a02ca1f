/**
 * Who may call what: every RPC of Fleet, Control and Inference with the caller it needs.
 * The auth hook looks calls up here, so a method missing from the table is
 * refused rather than open, and the docs' role table derives from it.
 */
import type { Role } from '../../../common/roles';

/** A Fleet caller with a client identity, anyone (TLS still required), or an operator with at least a role. */
export type CallerNeeded = { kind: 'client' } | { kind: 'anyone' } | { kind: 'operator'; role: Role };

const client: CallerNeeded = { kind: 'client' };
const viewer: CallerNeeded = { kind: 'operator', role: 'viewer' };
const operator: CallerNeeded = { kind: 'operator', role: 'operator' };
const admin: CallerNeeded = { kind: 'operator', role: 'admin' };

/** Fleet methods → the caller each needs. */
export const FLEET_POLICY: Record<string, CallerNeeded> = {
  Connect: client,
  FetchModel: client,
  PushUpdate: client,
  QueryUpdate: client,
  // The one call a device makes before it has a certificate: the token is its credential.
  Enroll: { kind: 'anyone' },
};

/** Control methods → the role each needs. */
export const CONTROL_POLICY: Record<string, CallerNeeded> = {
  WhoAmI: viewer,
  ListRuns: viewer,
  GetRun: viewer,
  ListRounds: viewer,
  GetRound: viewer,
  ListClients: viewer,
  WatchRun: viewer,
  ExportModel: viewer,
  CreateRun: operator,
  UploadModel: operator,
  CancelRun: operator,
  StartRun: operator,
  CreateEnrollment: admin,
  RevokeClient: admin,
  ListAudit: admin,
};

/** Inference methods → the role each needs (a viewer may export the whole model; predictions reveal no more). */
export const INFERENCE_POLICY: Record<string, CallerNeeded> = {
  Predict: viewer,
};

/** Control methods that change state: each call is written to the audit log, refused or not. */
export const AUDITED_METHODS: ReadonlySet<string> = new Set(['CreateRun', 'UploadModel', 'CancelRun', 'StartRun', 'CreateEnrollment', 'RevokeClient']);

/** The caller a method needs, or undefined for a method nobody may call. */
export function callerNeeded(service: 'fleet' | 'control' | 'inference', method: string): CallerNeeded | undefined {
  const table = service === 'fleet' ? FLEET_POLICY : service === 'inference' ? INFERENCE_POLICY : CONTROL_POLICY;
  return Object.hasOwn(table, method) ? table[method] : undefined;
}

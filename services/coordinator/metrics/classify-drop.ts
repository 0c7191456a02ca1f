/**
 * Maps a dropped client's free-text reason to one of the few DROP_REASONS, so
 * the `reason` label stays bounded however reasons are worded.
 */
import type { RoundClientRecord } from '../../../common/types';
import type { DropReason } from './series';

/** Wordings of the round code (rounds/round.ts) that mean the connection went away. */
const DISCONNECTED = /not connected|disconnect|not back within|session|connection|goodbye|revoked/i;

/** The bounded reason a selected client did not report; undefined when it reported. */
export function classifyDrop(c: RoundClientRecord): DropReason | undefined {
  if (c.state === 'finished') return undefined;
  if (c.state === 'rejected') return 'rejected';
  if (c.missedDeadline) return 'deadline';
  const reason = c.reason ?? '';
  if (/^client failed/.test(reason)) return 'task-failed';
  if (/cancel/i.test(reason)) return 'cancelled';
  if (DISCONNECTED.test(reason)) return 'disconnected';
  return 'other';
}

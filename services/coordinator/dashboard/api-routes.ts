/**
 * The dashboard's JSON endpoints under /api/: each answers from the same
 * domain calls as the Control method it mirrors, and is allowed to whoever
 * may call that method (method-policy.ts).
 */
import { InvalidArgumentError, NotFoundError } from '../../../common/errors';
import { checkId } from '../rpc/wire';
import type { DashboardSource } from './dashboard-source';
import { runView } from './dashboard-views';

/** A matched route: the Control method whose policy applies, and how to answer. */
export interface ApiRoute {
  method: string;
  answer: (source: DashboardSource) => Promise<unknown>;
}

/** The path of the event stream (handled by the server, not as JSON). */
export const EVENTS_PATH = '/api/events';

function runIdOf(segment: string): string {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    throw new InvalidArgumentError('run_id is not valid percent-encoding');
  }
  return checkId(id, 'run_id');
}

/** The route for a path, or NotFoundError; InvalidArgumentError for a malformed run id. */
export function matchApiRoute(pathname: string): ApiRoute {
  if (pathname === '/api/runs') return { method: 'ListRuns', answer: async (s) => (await s.listRuns()).map(runView) };
  if (pathname === '/api/clients') return { method: 'ListClients', answer: async (s) => s.clients() };
  const run = /^\/api\/runs\/([^/]+)$/.exec(pathname);
  if (run) {
    const runId = runIdOf(run[1]);
    return { method: 'GetRun', answer: async (s) => runView(await s.getRun(runId)) };
  }
  const rounds = /^\/api\/runs\/([^/]+)\/rounds$/.exec(pathname);
  if (rounds) {
    const runId = runIdOf(rounds[1]);
    return { method: 'ListRounds', answer: (s) => s.listRounds(runId) };
  }
  throw new NotFoundError(`no such endpoint: ${pathname.slice(0, 100)}`);
}

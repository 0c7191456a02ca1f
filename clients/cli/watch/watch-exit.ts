/** `runs watch` exit codes, one registry: the command, its --help and the docs derive from it. */

/** How a watch ended, with its exit code and what --help says about it. */
export const WATCH_EXITS = {
  completed: { code: 0, help: 'the run completed' },
  failed: { code: 1, help: 'the run failed (or the watch itself failed, e.g. an unknown run)' },
  cancelled: { code: 3, help: 'the run was cancelled' },
  lost: { code: 4, help: 'the coordinator was unreachable for longer than --give-up-after' },
} as const;

/** A watch outcome. */
export type WatchOutcome = keyof typeof WATCH_EXITS;

/** "exit codes: 0 the run completed, 1 …" for --help. */
export function watchExitHelp(): string {
  return `exit codes: ${Object.values(WATCH_EXITS)
    .map((e) => `${e.code} ${e.help}`)
    .join('; ')}`;
}

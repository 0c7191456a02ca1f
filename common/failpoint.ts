/**
 * Fault injection for the crash tests: with FEDLINK_FAILPOINT=<name> (or
 * <name>@<round>) in the environment, the process kills itself with SIGKILL
 * the first time it reaches that point (in that round): no cleanup, no
 * flushing, exactly like a kill -9 from outside, but at a precise moment.
 * Without the variable every call is a cheap no-op.
 *
 * Points in the coordinator: `selecting`, `mid-download`, `mid-upload`,
 * `mid-aggregation`, `committing` (checkpoint written, run not yet updated),
 * `committed` (run updated, round record not yet).
 */
const spec = process.env.FEDLINK_FAILPOINT?.trim();
const [armedName, armedRound] = spec ? spec.split('@') : [];

/** Dies here if this point (and round) is armed. */
export function failpoint(name: string, round?: number): void {
  if (!armedName || name !== armedName) return;
  if (armedRound !== undefined && Number(armedRound) !== round) return;
  process.stderr.write(`failpoint ${spec} reached: killing the process\n`);
  process.kill(process.pid, 'SIGKILL');
}

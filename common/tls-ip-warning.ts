/**
 * grpc-js passes the target host as the TLS server name, so dialling a
 * coordinator by IP address (127.0.0.1:50051) makes Node print DEP0123 ("Setting
 * the TLS ServerName to an IP address is not permitted by RFC 6066") on every
 * CLI call and daemon start. The certificate is still checked against the IP
 * SAN; only the SNI extension is left out. This silences that one warning,
 * and nothing else, in fedlink's own processes.
 */

/** Drops Node's DEP0123 warning in this process (idempotent). */
export function silenceIpServernameWarning(): void {
  const proc = process as NodeJS.Process & { fedlinkDep0123?: boolean };
  if (proc.fedlinkDep0123) return;
  proc.fedlinkDep0123 = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code === 'DEP0123') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

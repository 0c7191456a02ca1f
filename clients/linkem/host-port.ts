/** `host:port` addresses for the emulator's --listen and --target (IPv6 in brackets: `[::1]:6000`). */
import { InvalidArgumentError } from '../../common/errors';

/** A parsed address. */
export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port` / `[v6]:port`; port 0 is allowed (listen on a free port). */
export function parseHostPort(text: string): HostPort {
  const m = /^\s*(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})\s*$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`invalid address "${text}" (use host:port, e.g. 127.0.0.1:6000 or [::1]:6000)`);
  return { host: m[1] ?? m[2], port };
}

/** Formats an address the way parseHostPort reads it. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

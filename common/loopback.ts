/** Whether an address reaches only this machine: what may be served without TLS or --insecure. */

/** Whether a listen address or host name is loopback (localhost, 127.x.x.x, ::1). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

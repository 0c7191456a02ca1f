/** How to reach NATS: shared by coordinator and daemon flags and the NATS event transport. */
export interface NatsConnectOptions {
  /** Server URL(s), comma-separated, e.g. nats://127.0.0.1:4222. */
  url: string;
  user?: string;
  pass?: string;
  token?: string;
  /** Path of a .creds file. */
  creds?: string;
}

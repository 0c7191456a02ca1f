/**
 * The HTTP listener that serves one registry at GET /metrics in the
 * Prometheus text format, for `--metrics-port` on the coordinator and the
 * daemon. Loopback by default: the numbers describe the fleet and are not
 * meant for everyone who can reach the host.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { UnavailableError } from '../errors';
import type { Logger } from '../logger';

/** Where the listener binds. */
export interface MetricsServerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

/** GET /metrics over HTTP; start() binds, stop() closes (idempotent). */
export class MetricsServer {
  private server?: Server;
  private boundPort = 0;

  constructor(
    private readonly registry: Registry,
    private readonly options: MetricsServerOptions,
    private readonly logger: Logger,
  ) {}

  /** The port it listens on (after start). */
  get port(): number {
    return this.boundPort;
  }

  /** Binds and serves; resolves with the port. */
  async start(): Promise<number> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: fedlink serves GET /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: Error) => {
          this.logger.error({ err: err.message }, 'collecting metrics failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
        },
      );
    });
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: Error) => {
        const inUse = /EADDRINUSE/.test(err.message);
        reject(new UnavailableError(`cannot serve metrics on ${host}:${this.options.port}: ${inUse ? 'address already in use' : err.message}`, { cause: err }));
      });
      server.listen(this.options.port, host, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    this.logger.info({ host, port: this.boundPort }, 'serving Prometheus metrics at /metrics');
    return this.boundPort;
  }

  /** Closes the listener and its idle connections. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

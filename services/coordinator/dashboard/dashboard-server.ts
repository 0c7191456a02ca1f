/**
 * The coordinator's read-only web dashboard: the page, its JSON under /api/
 * and one server-sent event stream per page (/api/events). Plain HTTP when the
 * coordinator serves plaintext; HTTPS with the coordinator's certificate when
 * it serves TLS, where every request must carry an operator certificate the
 * Control service would accept (http-auth.ts).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Clock } from '../../../common/clock';
import { isLoopback } from '../../../common/loopback';
import { ResourceExhaustedError, UnavailableError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import type { TlsMaterial } from '../../../common/pki/files';
import type { AuthHook } from '../auth/auth-hook';
import { EVENTS_PATH, matchApiRoute } from './api-routes';
import { DashboardFeed, type FeedOptions } from './dashboard-feed';
import type { DashboardSource } from './dashboard-source';
import { authorize } from './http-auth';
import { httpErrorFor } from './http-status';
import { SseStream } from './sse';
import { loadStaticFiles, type StaticFile } from './static-files';

/** How the dashboard is served. */
export interface DashboardOptions {
  /** Address to listen on. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** The coordinator's TLS material: serve HTTPS and ask for client certificates. */
  tls?: TlsMaterial;
  /** The coordinator's auth hook (the one Control uses). */
  auth: AuthHook;
  source: DashboardSource;
  clock: Clock;
  logger: Logger;
  /** Event streams open at once; more are refused with 429. @default 64 */
  maxStreams?: number;
  /** Page files' directory (tests). @default static-files.ts pageDir() */
  pageDir?: string;
  feed?: FeedOptions;
}

/** Lifecycle of the dashboard server. */
export type DashboardState = 'NEW' | 'RUNNING' | 'STOPPED';

// The page loads only its own scripts and styles and talks only to this server.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};


/** A Host header naming this machine (a page served on loopback answers only those: no DNS rebinding). */
function isLoopbackHostHeader(value: string | undefined): boolean {
  if (!value) return false;
  const name = value.startsWith('[') ? value.slice(0, value.indexOf(']') + 1) : value.replace(/:\d+$/, '');
  return isLoopback(name);
}

/** The dashboard's HTTP(S) server. */
export class DashboardServer {
  private state: DashboardState = 'NEW';
  private server?: http.Server;
  private files = new Map<string, StaticFile>();
  private readonly feed: DashboardFeed;
  private readonly streams = new Set<SseStream>();
  private readonly sockets = new Set<Socket>();
  private readonly log: Logger;
  private boundPort = 0;

  constructor(private readonly options: DashboardOptions) {
    this.log = options.logger.child({ component: 'dashboard' });
    this.feed = new DashboardFeed(options.source, options.clock, this.log, options.feed);
  }

  /** The port it listens on (after start). */
  get port(): number {
    return this.boundPort;
  }

  /** Event streams open now. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** The dashboard's URL (after start). */
  get url(): string {
    const host = this.options.host.includes(':') && !this.options.host.startsWith('[') ? `[${this.options.host}]` : this.options.host;
    return `${this.options.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${this.boundPort}/`;
  }

  /** Reads the page's files, subscribes to the coordinator's events and listens. */
  async start(): Promise<number> {
    if (this.state !== 'NEW') throw new Error(`dashboard is ${this.state}`);
    this.files = loadStaticFiles(this.options.pageDir);
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    const tls = this.options.tls;
    const server = tls
      ? // Certificates are asked for, not required at the handshake: a request without one gets a 401 that says why.
        https.createServer({ cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, requestCert: true, rejectUnauthorized: false }, handler)
      : http.createServer(handler);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    const address = `${this.options.host}:${this.options.port}`;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new UnavailableError(err.code === 'EADDRINUSE' ? `cannot serve the dashboard on ${address}: address already in use` : `cannot serve the dashboard on ${address}: ${err.message}`, { cause: err })),
      );
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    server.on('error', (err) => this.log.error({ err: err.message }, 'dashboard server error'));
    this.server = server;
    this.boundPort = (server.address() as { port: number }).port;
    this.feed.start();
    this.state = 'RUNNING';
    this.log.info({ url: this.url, tls: tls !== undefined }, tls ? 'dashboard serving HTTPS (operator certificates with the viewer role)' : 'dashboard serving plain HTTP');
    return this.boundPort;
  }

  /** Closes every page's stream and the server; idempotent. */
  async stop(): Promise<void> {
    if (this.state !== 'RUNNING') {
      this.state = 'STOPPED';
      return;
    }
    this.state = 'STOPPED';
    for (const s of [...this.streams]) s.close();
    await this.feed.stop();
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((err: unknown) => {
      const e = httpErrorFor(err);
      if (e.internal) this.log.error({ err, url: req.url?.slice(0, 200) }, 'dashboard request failed');
      if (res.headersSent) return void res.destroy();
      this.json(res, e.status, { error: e.message });
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (isLoopback(this.options.host) && !isLoopbackHostHeader(req.headers.host)) {
      return this.json(res, 421, { error: 'this dashboard answers only to localhost, 127.0.0.1 or [::1]' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return this.json(res, 405, { error: 'the dashboard is read-only: GET only' });
    }
    const pathname = new URL(req.url ?? '/', 'http://dashboard.invalid').pathname;
    if (pathname === EVENTS_PATH) {
      authorize(this.options.auth, req, 'WatchRun');
      return this.openStream(res);
    }
    if (pathname.startsWith('/api/')) {
      const route = matchApiRoute(pathname);
      authorize(this.options.auth, req, route.method);
      return this.json(res, 200, await route.answer(this.options.source));
    }
    const file = this.files.get(pathname);
    // Every file needs a viewer, like WhoAmI: the page itself reveals nothing, but one rule is easier to trust.
    authorize(this.options.auth, req, 'WhoAmI');
    if (!file) return this.json(res, 404, { error: `not found: ${pathname.slice(0, 100)}` });
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  private openStream(res: ServerResponse): void {
    const max = this.options.maxStreams ?? 64;
    if (this.streams.size >= max) throw new ResourceExhaustedError(`the dashboard already serves ${max} event streams (close some pages)`);
    let remove = () => {};
    const stream = new SseStream(res, undefined, () => {
      this.streams.delete(stream);
      remove();
    });
    this.streams.add(stream);
    remove = this.feed.add(stream);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

/**
 * The coordinator as one long-lived component: gRPC server (Fleet, Control,
 * Inference, grpc.health.v1.Health, server reflection) wired to the run manager, session
 * registry and store. `start()` binds and serves; `stop()` drains: health goes
 * NOT_SERVING first, clients are told to go away, in-flight transfers get a
 * grace period, then the server shuts down.
 */
import type { Objective } from '../../common/model-definition';
import { ModelUploads } from './model/model-uploads';
import { validateTopology } from './model/validate-topology';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { systemClock, type Clock } from '../../common/clock';
import { InvalidArgumentError, UnavailableError } from '../../common/errors';
import { statusFor } from '../../common/grpc-status';
import { checkValueBound, DEFAULT_VALUE_BOUND } from '../../common/codecs/value-bound';
import { randomBytes } from 'node:crypto';
import { LeaderLease } from './ha/leader-lease';
import { FencedError, fencedStore } from './ha/fenced-store';
import type { Logger } from '../../common/logger';
import { loadFedlinkProto } from '../../proto/loader';
import { createAuthHook, type AuthHook } from './auth/auth-hook';
import { AuditLog } from './auth/audit-log';
import { Enrollment } from './auth/enrollment';
import { Revocations } from './auth/revocations';
import { serverCredentials } from './rpc/server-credentials';
import type { CaMaterial } from '../../common/pki/certificates';
import type { TlsMaterial } from '../../common/pki/files';
import { ServerEvaluator } from './evaluation/server-evaluator';
import { LivenessMonitor } from './fleet/liveness-monitor';
import { DEFAULT_LINK_FORGET_AFTER_MS, DEFAULT_MAX_TRACKED_CLIENTS, LinkTracker } from './link/link-tracker';
import { LinkBridge } from './link/link-bridge';
import type { EventTransport } from '../../common/events/event-transport';
import { createEventTransport } from '../../common/events/nats-transport';
import type { NatsConnectOptions } from '../../common/nats-options';
import { DEFAULT_CHUNK_BYTES } from '../../common/weights-codec';
import { SessionRegistry } from './fleet/session-registry';
import type { CoordinatorOptions } from './options';
import { createControlService } from './rpc/control-service';
import { DashboardServer } from './dashboard/dashboard-server';
import { isLoopback } from '../../common/loopback';
import { clientViews } from './fleet/client-views';
import { createFleetService } from './rpc/fleet-service';
import { createInferenceService } from './inference/inference-service';
import { buildTfjsPredictor } from './inference/predictor';
import { ServedModels } from './inference/served-models';
import { DEFAULT_RECEIVE_WINDOW_BYTES, raiseReceiveWindows } from './rpc/receive-window';
import { applyConnectionLimits } from './rpc/connection-limits';
import { ClientRetention } from './fleet/client-retention';
import { limitsWithDefaults, type Limits } from './limits';
import { RunManager } from './run-manager';
import { journalMemoryPolicy, type JournalMemory } from './rounds/journal-memory';
import { JournalBudget } from './rounds/update-journal';
import { MemoryStore } from './store/memory-store';
import { CoordinatorMetrics } from './metrics/coordinator-metrics';
import { refusalInterceptor } from './metrics/refusal-interceptor';
import { timedStore } from './metrics/timed-store';
import type { Store } from './store/store';

/** An objective every output shape fits: what an upload is checked against before its run names the real one. */
const ANY_OUTPUT: Objective = { loss: 'mse', metrics: [], optimizer: { name: 'sgd' } };

/** The names grpc.health.v1 reports: the server as a whole ('') and each service. */
const HEALTH_SERVICES = ['', 'fedlink.v1.Fleet', 'fedlink.v1.Control', 'fedlink.v1.Inference'];

/** Lifecycle states of the coordinator. */
export type CoordinatorState = 'NEW' | 'RUNNING' | 'DRAINING' | 'STOPPED';

/** Version reported in Welcome messages. */
export const COORDINATOR_VERSION = '0.1.0';

/** Complete coordinator configuration (defaults applied). */
export interface CoordinatorConfig {
  host: string;
  port: number;
  tls?: TlsMaterial;
  ca?: CaMaterial;
  insecure: boolean;
  dataDir?: string;
  heartbeatIntervalMs: number;
  clientTimeoutMs: number;
  maxUpdateBytes: number;
  drainTimeoutMs: number;
  selectionGraceMs: number;
  linkStaleAfterMs: number;
  linkOfflineAfterMs: number;
  linkForgetAfterMs: number;
  maxTrackedClients: number;
  nats?: NatsConnectOptions;
  reconnectGraceMs: number;
  chunkBytes: number;
  receiveWindowBytes: number;
  spoolDir: string;
  /** What upload journals may hold in memory (journal-memory.ts). */
  journalMemory: JournalMemory;
  valueBound: number;
  retention: { keepLast: number; every: number };
  ha: boolean;
  storeReplicas: number;
  advertise?: string;
  leaseTtlMs: number;
  /** Whether the spool directory is ours to remove on stop (the default one). */
  ownSpoolDir: boolean;
  /** Limits against hostile callers (see limits.ts). */
  limits: Limits;
  /** Where Prometheus /metrics is served; unset: no metrics at all. */
  metrics?: { host: string; port: number };
  /** The web dashboard's address; undefined: none. */
  http?: { host: string; port: number };
}

/** Applies defaults to options. */
export function coordinatorConfig(o: CoordinatorOptions): CoordinatorConfig {
  return {
    host: o.host ?? (o.tls ? '0.0.0.0' : '127.0.0.1'),
    port: o.port ?? 50051,
    tls: o.tls,
    ca: o.ca,
    insecure: o.insecure ?? false,
    dataDir: o.dataDir,
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? 2000,
    clientTimeoutMs: o.clientTimeoutMs ?? 10_000,
    maxUpdateBytes: o.maxUpdateBytes ?? 512 * 2 ** 20,
    drainTimeoutMs: o.drainTimeoutMs ?? 5000,
    selectionGraceMs: 2000,
    linkStaleAfterMs: o.linkStaleAfterMs ?? 15_000,
    linkOfflineAfterMs: o.linkOfflineAfterMs ?? 30_000,
    linkForgetAfterMs: o.linkForgetAfterMs ?? DEFAULT_LINK_FORGET_AFTER_MS,
    maxTrackedClients: o.maxTrackedClients ?? DEFAULT_MAX_TRACKED_CLIENTS,
    nats: o.nats,
    reconnectGraceMs: o.reconnectGraceMs ?? 10_000,
    chunkBytes: o.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    receiveWindowBytes: o.receiveWindowBytes ?? DEFAULT_RECEIVE_WINDOW_BYTES,
    spoolDir: o.spoolDir ?? path.join(tmpdir(), `fedlink-spool-${process.pid}`),
    journalMemory: journalMemoryPolicy({ budgetBytes: o.journalMemoryBytes, perUpdateBytes: o.journalMemoryPerUpdateBytes }),
    valueBound: checkValueBound(o.updateValueBound ?? DEFAULT_VALUE_BOUND),
    ownSpoolDir: o.spoolDir === undefined,
    retention: { keepLast: o.keepCheckpoints ?? 3, every: o.checkpointEvery ?? 0 },
    ha: o.ha ?? false,
    storeReplicas: o.storeReplicas ?? 1,
    advertise: o.advertise,
    leaseTtlMs: o.leaseTtlMs ?? 6000,
    limits: limitsWithDefaults(o.limits),
    metrics: o.metricsPort === undefined ? undefined : { host: o.metricsHost ?? '127.0.0.1', port: o.metricsPort },
    http: o.httpPort === undefined ? undefined : { host: o.httpHost ?? '127.0.0.1', port: o.httpPort },
  };
}

/** A running coordinator. */
export class Coordinator {
  private state: CoordinatorState = 'NEW';
  private server?: grpc.Server;
  private readonly health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((name) => [name, 'NOT_SERVING'])));
  readonly registry: SessionRegistry;
  readonly manager: RunManager;
  private readonly uploads: ModelUploads;
  readonly links: LinkTracker;
  /** Presence and link reports in, observations and round events out. */
  readonly events: EventTransport;
  private readonly bridge: LinkBridge;
  private readonly clock: Clock;
  private readonly liveness: LivenessMonitor;
  private readonly retention: ClientRetention;
  private boundPort = 0;
  private readonly store: Store;
  /** Whether this coordinator runs rounds: always without HA; with HA, while it holds the lease. */
  private leading: boolean;
  private lease?: LeaderLease;
  private readonly revocations: Revocations;
  private readonly audit: AuditLog;
  private readonly enrollment: Enrollment;
  /** The models Inference.Predict serves. */
  private readonly served: ServedModels;
  /** Prometheus series and their /metrics listener, when asked for. */
  readonly metrics?: CoordinatorMetrics;
  private dashboard?: DashboardServer;

  constructor(
    private readonly config: CoordinatorConfig,
    private readonly logger: Logger,
    /** `onStopped`: called once stop() has released everything (the state directory's lock). */
    private readonly options: { clock?: Clock; store?: Store; auth?: AuthHook; events?: EventTransport; onStopped?: () => void } = {},
  ) {
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    this.leading = !config.ha;
    this.metrics =
      config.metrics &&
      new CoordinatorMetrics(
        {
          connectedClients: () => this.registry.connectedCount(),
          activeRuns: () => this.manager.activeRuns,
          presenceCounts: () => this.links.presenceCounts(),
          linkEvents: () => this.links.events(),
        },
        { ...config.metrics, logger: logger.child({ component: 'metrics' }) },
      );
    const metrics = this.metrics;
    const given = options.store ?? new MemoryStore();
    const raw = metrics ? timedStore(given, (op, seconds, ok) => metrics.storeOperation(op, seconds, ok)) : given;
    if (config.ha && (raw.kind !== 'jetstream' || !config.nats)) throw new InvalidArgumentError('high availability (--ha) needs the jetstream store and a NATS URL');
    // With HA every state write needs the leader lease (the lease exists from start() on).
    const lease = () => this.lease;
    const store = config.ha ? fencedStore(raw, { get held() { return lease()?.held ?? false; } }) : raw;
    this.store = store;
    this.links = new LinkTracker({
      clock,
      staleAfterMs: config.linkStaleAfterMs,
      offlineAfterMs: config.linkOfflineAfterMs,
      forgetAfterMs: config.linkForgetAfterMs,
      maxClients: config.maxTrackedClients,
    });
    const nats = config.nats;
    this.events =
      options.events ??
      createEventTransport({ nats, name: 'fedlink-coordinator', logger: logger.child({ component: 'events' }) });
    this.bridge = new LinkBridge(this.events, this.links, logger.child({ component: 'link-bridge' }));
    this.revocations = new Revocations(store);
    this.audit = new AuditLog(store, clock, logger.child({ component: 'audit' }));
    this.enrollment = new Enrollment({ store, clock, revocations: this.revocations, ca: config.ca });
    this.registry = new SessionRegistry(clock, store, logger.child({ component: 'registry' }), { maxKnownClients: config.limits.maxKnownClients });
    this.retention = new ClientRetention(this.registry, clock, config.limits.forgetClientsAfterMs);
    // Models users upload for their runs: structure and size checked at upload, the fit to the run's loss at CreateRun.
    this.uploads = new ModelUploads({ clock, describe: (topology) => validateTopology(topology, ANY_OUTPUT), maxWeightsBytes: config.maxUpdateBytes });
    this.manager = new RunManager({
      uploads: this.uploads,
      store,
      fleet: this.registry,
      clock,
      logger: logger.child({ component: 'rounds' }),
      evaluator: new ServerEvaluator(logger.child({ component: 'evaluation' }), config.dataDir),
      maxUpdateBytes: config.maxUpdateBytes,
      selectionGraceMs: config.selectionGraceMs,
      links: this.links,
      lifecycle: (e) => this.bridge.roundEvent(e),
      reconnectGraceMs: config.reconnectGraceMs,
      spoolDir: config.spoolDir,
      // One budget for every run and round of this coordinator.
      journals: { budget: new JournalBudget(config.journalMemory.budgetBytes), memoryMaxBytes: config.journalMemory.perUpdateBytes },
      valueBound: config.valueBound,
      retention: config.retention,
      maxActiveRuns: config.limits.maxActiveRuns,
      metrics,
    });
    this.served = new ServedModels({
      source: this.manager,
      build: buildTfjsPredictor,
      logger: logger.child({ component: 'inference' }),
      clock,
      maxModels: config.limits.maxServedModels,
      live: () => this.leading,
    });
    this.liveness = new LivenessMonitor(
      this.registry,
      (clientId, sessionId) => this.registry.closeSession(clientId, sessionId, 'heartbeat timeout'),
      clock,
      config.clientTimeoutMs,
      logger.child({ component: 'liveness' }),
    );
  }

  /** The port the server listens on (after start). */
  get port(): number {
    return this.boundPort;
  }

  /** The web dashboard's URL (after start), if it serves one. */
  get dashboardUrl(): string | undefined {
    return this.dashboard?.url;
  }

  /** Binds the server and starts serving. */
  async start(): Promise<number> {
    if (this.state !== 'NEW') throw new Error(`coordinator is ${this.state}`);
    if (!this.config.tls && !this.config.insecure && !isLoopback(this.config.host)) {
      throw new InvalidArgumentError(
        `refusing to serve plaintext on ${this.config.host}: anyone reaching it could train, poison or read the model. Give --pki <dir> (see fedlink pki init) or --tls-cert/--tls-key/--tls-ca, or --insecure to do it anyway`,
      );
    }
    if (this.config.http && !this.config.tls && !this.config.insecure && !isLoopback(this.config.http.host)) {
      throw new InvalidArgumentError(
        `refusing to serve the dashboard in plaintext on ${this.config.http.host}: anyone reaching it could read every run and client. Serve TLS (then browsers need an operator certificate), keep --http-host on loopback (reach it through an SSH tunnel), or give --insecure`,
      );
    }
    await this.revocations.load();
    const { packageDefinition, proto } = loadFedlinkProto();
    // Runs that were going when the previous process stopped (or died) carry on from their last checkpoint
    // (with HA, once this coordinator holds the lease).
    if (!this.config.ha) await this.resumeRuns();
    const server = new grpc.Server({
      // Edge clients keep long-lived streams through NATs: let them ping.
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5000,
      'grpc.max_concurrent_streams': this.config.limits.maxStreamsPerConnection,
      'grpc.max_connection_idle_ms': this.config.limits.connectionIdleMs,
      interceptors: this.metrics ? [refusalInterceptor((method, code) => this.metrics?.refused(method, code))] : [],
    });
    const auth = this.options.auth ?? createAuthHook({ tls: this.config.tls !== undefined, revoked: (id) => this.revocations.reason(id) });
    server.addService(
      proto.fedlink.v1.Fleet.service,
      createFleetService({
        manager: this.manager,
        registry: this.registry,
        auth,
        logger: this.logger,
        heartbeatIntervalMs: this.config.heartbeatIntervalMs,
        chunkBytes: this.config.chunkBytes,
        unavailable: () => (this.state !== 'RUNNING' ? 'coordinator is draining' : this.standbyReason()),
        version: COORDINATOR_VERSION,
        links: this.bridge,
        clock: this.clock,
        enroll: (token, csrPem, peer) => this.enroll(token, csrPem, peer),
        limits: this.config.limits,
      }),
    );
    server.addService(proto.fedlink.v1.Control.service, createControlService({
        uploads: this.uploads,
        manager: this.manager,
        registry: this.registry,
        auth,
        logger: this.logger,
        links: this.links,
        leaderOnly: () => this.standbyReason(),
        audit: this.audit,
        enrollment: this.enrollment,
        revoke: (clientId, reason, by) => this.revoke(clientId, reason, by),
        clock: this.clock,
        reconnectGraceMs: this.config.reconnectGraceMs,
        estimateRoundMs: (clientId) => this.estimateRoundMs(clientId),
      }));
    server.addService(
      proto.fedlink.v1.Inference.service,
      createInferenceService({ models: this.served, auth, logger: this.logger, limits: this.config.limits, unavailable: () => (this.state !== 'RUNNING' ? 'coordinator is draining' : undefined) }),
    );
    this.health.addToServer(server);
    new ReflectionService(packageDefinition).addToServer(server);
    const address = `${this.config.host}:${this.config.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, serverCredentials(this.config.tls), (err, port) => {
        if (!err) {
          // Here, before the first connection can be accepted.
          if (!raiseReceiveWindows(server, this.config.receiveWindowBytes)) {
            this.logger.warn('cannot raise the HTTP/2 receive window (grpc-js internals changed): uploads are capped at 64 KiB per round trip');
          }
          if (!applyConnectionLimits(server, this.config.limits, this.logger.child({ component: 'connections' }))) {
            this.logger.warn('cannot apply --max-connections and --handshake-timeout (grpc-js internals changed): connections are not capped');
          }
          return resolve(port);
        }
        const inUse = /EADDRINUSE/.test(err.message);
        reject(new UnavailableError(inUse ? `cannot listen on ${address}: address already in use` : `cannot listen on ${address}: ${err.message}`, { cause: err }));
      }),
    );
    this.server = server;
    try {
      await this.metrics?.start();
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
    if (this.config.http) await this.startDashboard(this.config.http, auth);
    this.state = 'RUNNING';
    this.liveness.start();
    this.retention.start();
    this.links.start();
    await this.events.start();
    this.bridge.start();
    this.logger.info(
      { events: this.events.kind, store: this.store.kind },
      `${this.events.kind === 'nats' ? 'publishing link and round events on NATS' : 'no NATS URL given: using the embedded in-process event bus'}; state in ${this.store.kind === 'memory' ? 'memory only (lost on restart)' : `the ${this.store.kind} store`}`,
    );
    for (const name of HEALTH_SERVICES) this.health.setStatus(name, 'SERVING');
    if (this.config.ha) await this.startLease();
    this.logger.info(
      { host: this.config.host, port: this.boundPort, tls: this.config.tls !== undefined, enrollment: this.enrollment.enabled, receiveWindowBytes: this.config.receiveWindowBytes, journalMemory: this.config.journalMemory, spoolDir: this.config.spoolDir },
      this.config.tls ? 'coordinator serving (mutual TLS: identities from client certificates)' : 'coordinator serving plaintext: callers are trusted by the id they claim',
    );
    return this.boundPort;
  }

  /** A client's predicted round time for the most recent run, ms, if it can be predicted (clients list, dashboard). */
  private estimateRoundMs(clientId: string): number | undefined {
    return this.manager.estimateRoundMs(clientId, this.registry.describe(clientId)?.datasetSize ?? 0);
  }

  /** Serves the web dashboard from the same state, events and auth hook as Control. */
  private async startDashboard(address: { host: string; port: number }, auth: AuthHook): Promise<void> {
    const registry = this.registry;
    const links = this.links;
    const manager = this.manager;
    const estimateRoundMs = (clientId: string) => this.estimateRoundMs(clientId);
    this.dashboard = new DashboardServer({
      ...address,
      tls: this.config.tls,
      auth,
      clock: this.clock,
      logger: this.logger,
      source: {
        listRuns: () => manager.listRuns(),
        getRun: (runId) => manager.getRun(runId),
        listRounds: (runId) => manager.listRounds(runId),
        clients: () => clientViews({ registry, links, estimateRoundMs }),
        runEvents: () => manager.subscribeAll(),
        onFleetChange: (listener) => registry.onChange(listener),
        linkEvents: () => links.events(),
        // Only with --ha can runs be driven by another process.
        standby: this.config.ha ? () => !this.leading : undefined,
      },
    });
    try {
      await this.dashboard.start();
    } catch (err) {
      // Nothing else was started yet but the gRPC server, /metrics and the runs resumed on start: undo them.
      this.server?.forceShutdown();
      await this.metrics?.stop();
      await this.manager.stop();
      throw err;
    }
  }

  /** Fleet.Enroll: redeems a token for a device certificate; every attempt is audited. */
  private async enroll(token: string, csrPem: string, peer: string) {
    try {
      const enrolled = await this.enrollment.redeem(token, csrPem);
      await this.audit.record({ principal: `client:${enrolled.clientId}`, action: 'Enroll', target: enrolled.clientId, outcome: 'ok', detail: `certificate valid until ${new Date(enrolled.notAfterMs).toISOString()}`, peer });
      this.logger.info({ clientId: enrolled.clientId, peer }, 'device enrolled');
      return enrolled;
    } catch (err) {
      await this.audit.record({ principal: 'anonymous', action: 'Enroll', target: '', outcome: grpc.status[statusFor(err)], detail: (err as Error).message, peer });
      throw err;
    }
  }

  /** Revokes a client: refused from now on, its session ended, and rounds stop waiting for it. */
  private async revoke(clientId: string, reason: string, by: string): Promise<boolean> {
    await this.revocations.revoke({ clientId, atMs: this.clock.now(), by, reason });
    const why = `client ${clientId} was revoked by ${by}${reason ? `: ${reason}` : ''}`;
    const closed = this.registry.closeClient(clientId, why);
    this.manager.clientRestarted(clientId, why);
    this.logger.warn({ clientId, by, sessionClosed: closed }, 'client revoked');
    return closed;
  }

  /** Counters of the link tracker and of the events it was fed from NATS (dropped fakes included). */
  linkStats(): { tracked: number; forgotten: number; refused: number; invalidPayloads: number; senderMismatches: number } {
    return { ...this.links.stats(), invalidPayloads: this.bridge.invalidPayloads, senderMismatches: this.bridge.senderMismatches };
  }

  /** Whether this coordinator runs rounds now (always without HA). */
  get isLeader(): boolean {
    return this.leading;
  }

  private async resumeRuns(): Promise<void> {
    const resumed = await this.manager.recover();
    if (resumed.length > 0) this.logger.info({ runs: resumed }, `resumed ${resumed.length} run(s) from the ${this.store.kind} store`);
  }

  /** Why this coordinator refuses leader work now, or undefined when it leads. */
  private standbyReason(): string | undefined {
    if (this.leading) return undefined;
    const holder = this.lease?.holder;
    return `this coordinator is a standby${holder ? `; the leader is ${holder.address}` : ' (no leader yet)'}`;
  }

  private async startLease(): Promise<void> {
    const nats = this.config.nats!;
    const host = this.config.host === '0.0.0.0' || this.config.host === '::' ? '127.0.0.1' : this.config.host;
    this.health.setStatus('fedlink.v1.Fleet', 'NOT_SERVING');
    // Leadership changes are applied one at a time, in order.
    let changes = Promise.resolve();
    this.lease = new LeaderLease({
      ...nats,
      servers: nats.url,
      holderId: `${host}:${this.boundPort}/${process.pid}/${randomBytes(3).toString('hex')}`,
      address: this.config.advertise ?? `${host}:${this.boundPort}`,
      ttlMs: this.config.leaseTtlMs,
      replicas: this.config.storeReplicas,
      logger: this.logger.child({ component: 'lease' }),
      onChange: (held) => {
        changes = changes.then(() => (held ? this.lead() : this.standDown())).catch((err: Error) => this.logger.error({ err: err.message }, 'leadership change failed'));
      },
    });
    await this.lease.start();
    if (!this.leading) this.logger.info({ leader: this.lease.holder?.address }, 'standing by: another coordinator holds the leader lease');
  }

  private async lead(): Promise<void> {
    if (this.state !== 'RUNNING') return;
    this.leading = true;
    // The previous leader may have revoked clients since this one started.
    await this.revocations.load();
    const started = performance.now();
    try {
      await this.resumeRuns();
    } catch (err) {
      // The lease went again while the runs were being read back: the step-down that follows says so.
      if (err instanceof FencedError) return;
      throw err;
    }
    this.health.setStatus('fedlink.v1.Fleet', 'SERVING');
    this.logger.info({ tookMs: Math.round(performance.now() - started) }, 'leading: runs resumed, accepting clients');
  }

  private async standDown(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.health.setStatus('fedlink.v1.Fleet', 'NOT_SERVING');
    // Clients go and find the new leader; our rounds stop (their writes are fenced anyway) and no run is
    // marked failed: the new leader resumes them from their last checkpoints. The lease logs why, once.
    this.registry.closeAll('this coordinator lost the leader lease');
    const runs = this.manager.activeRuns;
    await this.manager.standDown();
    // Not when the lease is handed over by stop(): that is no standby.
    if (this.state === 'RUNNING') this.logger.info({ runs }, 'standing by: stopped driving runs, still serving reads and health; the lease is retried');
  }

  /** Drains and stops; idempotent. */
  async stop(reason = 'coordinator shutting down'): Promise<void> {
    if (this.state === 'STOPPED' || this.state === 'DRAINING') return;
    const server = this.server;
    this.state = 'DRAINING';
    for (const name of HEALTH_SERVICES) this.health.setStatus(name, 'NOT_SERVING');
    this.logger.info({ reason }, 'draining');
    // Pages' event streams end first: an open stream would hold the HTTP server open.
    await this.dashboard?.stop();
    this.liveness.stop();
    this.retention.stop();
    this.registry.closeAll(reason);
    await this.manager.stop();
    if (this.config.ownSpoolDir) rmSync(this.config.spoolDir, { recursive: true, force: true });
    // Hand leadership over at once (the lease key is deleted) instead of after its TTL.
    await this.lease?.stop();
    await this.bridge.stop();
    await this.events.stop();
    this.links.stop();
    if (server) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, this.config.drainTimeoutMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    }
    // After the server: requests in flight finished on their models.
    this.served.stop();
    await this.metrics?.stop();
    // Client records the sessions' ends queued land before the store closes.
    await this.registry.flush();
    await this.store.close();
    this.state = 'STOPPED';
    this.options.onStopped?.();
    this.logger.info('coordinator stopped');
  }
}

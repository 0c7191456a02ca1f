/**
 * The containers one test file starts, on one user-defined network, and
 * their removal: every container, the network and every named volume go in
 * removeAll(), which the file's afterAll calls whether the tests passed or
 * not (Ryuk, testcontainers' own reaper, cannot be pulled here).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { waitForJetStreamCluster } from '../../helpers/nats-server';
import { docker } from './docker-cli';
import { FEDLINK_IMAGE, NATS_IMAGE, REPO_ROOT } from './images';

/** Fashion-MNIST on the host, mounted read-only where the daemons look by default. */
const DATA_DIR = '/usr/share/datasets/fashion-mnist';

/** The coordinator's gRPC port inside its container. */
export const COORDINATOR_PORT = 50051;

/**
 * The image's HEALTHCHECK command with a 1 s interval instead of 10 s, so a
 * test waits for "healthy" about one second after the coordinator serves.
 */
const FAST_HEALTH_CHECK = {
  test: ['CMD', 'fedlink', 'health', '--coordinator', `127.0.0.1:${COORDINATOR_PORT}`, '--timeout', '3s'] as ['CMD', ...string[]],
  interval: 1000,
  timeout: 5000,
  retries: 3,
  startPeriod: 60_000,
};

/** Options of a coordinator container. */
export interface CoordinatorContainerOptions {
  /** Its name on the network (also its --advertise host). */
  alias: string;
  /** Flags after `coordinator --host 0.0.0.0 --insecure --advertise <alias>:50051`. */
  args: string[];
  /** A named volume mounted on /var/lib/fedlink (the image's state volume). */
  volume?: string;
}

/** Containers, a network and volumes that are removed together. */
export class ContainerStack {
  private readonly containers = new Set<StartedTestContainer>();
  private readonly volumes = new Set<string>();
  private readonly names = new Set<string>();
  private network?: StartedNetwork;
  /** A suffix that keeps this file's volume names apart from any other run's. */
  readonly suffix = Math.random().toString(36).slice(2, 8);

  /** The user-defined network every container of the stack joins (created on first use). */
  async net(): Promise<StartedNetwork> {
    this.network ??= await new Network().start();
    return this.network;
  }

  /** Name of the stack's network (after net()). */
  networkName(): string {
    if (!this.network) throw new Error('the stack has no network yet');
    return this.network.getName();
  }

  /** A named volume, removed with the stack. */
  volume(name: string): string {
    const full = `fedlink-e2e-${name}-${this.suffix}`;
    this.volumes.add(full);
    return full;
  }

  /** A unique name for a container the test runs through the docker CLI (`docker run --name`), removed with the stack if still there. */
  containerName(name: string): string {
    const full = `fedlink-e2e-${name}-${this.suffix}`;
    this.names.add(full);
    return full;
  }

  /** Starts a container and tracks it for removal. */
  async start(container: GenericContainer): Promise<StartedTestContainer> {
    const started = await container.start();
    this.containers.add(started);
    return started;
  }

  /** Forgets a container the test removed itself. */
  forget(container: StartedTestContainer): void {
    this.containers.delete(container);
  }

  /**
   * Three NATS containers, nats-1..3, clustered by infra/compose/nats/node-*.conf
   * (the compose stack's files). Resolves with the --nats URL list (network
   * names) once JetStream, reached from the host, has elected its meta leader.
   */
  async natsCluster(): Promise<string> {
    const net = await this.net();
    const nodes = await Promise.all(
      [1, 2, 3].map((i) =>
        this.start(
          new GenericContainer(NATS_IMAGE)
            .withNetwork(net)
            .withNetworkAliases(`nats-${i}`)
            .withCopyContentToContainer([{ content: readFileSync(path.join(REPO_ROOT, `infra/compose/nats/node-${i}.conf`), 'utf8'), target: '/etc/nats/node.conf' }])
            .withCommand(['-c', '/etc/nats/node.conf'])
            .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
            .withStartupTimeout(60_000),
        ),
      ),
    );
    await waitForJetStreamCluster(nodes.map((n) => `nats://${n.getIpAddress(net.getName())}:4222`).join(','));
    return [1, 2, 3].map((i) => `nats://nats-${i}:4222`).join(',');
  }

  /**
   * A coordinator container from the image under test, serving plaintext on
   * the stack's private network, resolved once its health check passes.
   */
  async coordinator(options: CoordinatorContainerOptions): Promise<StartedTestContainer> {
    const net = await this.net();
    // withBindMounts replaces earlier mounts: one call with all of them.
    const mounts: Array<{ source: string; target: string; mode: 'ro' | 'rw' }> = [{ source: DATA_DIR, target: DATA_DIR, mode: 'ro' }];
    if (options.volume) mounts.push({ source: options.volume, target: '/var/lib/fedlink', mode: 'rw' });
    return this.start(
      new GenericContainer(FEDLINK_IMAGE)
        .withNetwork(net)
        .withNetworkAliases(options.alias)
        .withCommand(['coordinator', '--host', '0.0.0.0', '--insecure', '--advertise', `${options.alias}:${COORDINATOR_PORT}`, ...options.args])
        .withBindMounts(mounts)
        .withHealthCheck(FAST_HEALTH_CHECK)
        .withWaitStrategy(Wait.forHealthCheck())
        .withStartupTimeout(120_000),
    );
  }

  /** An edge daemon container: Fashion-MNIST partition `index` of 3 (900 examples in all), reconnecting within 1 s. */
  async daemon(index: number, coordinators: string, extra: string[] = []): Promise<StartedTestContainer> {
    const net = await this.net();
    return this.start(
      new GenericContainer(FEDLINK_IMAGE)
        .withNetwork(net)
        .withNetworkAliases(`edge-${index}`)
        .withCommand([
          'client', '--coordinator', coordinators, '--id', `edge-${index}`, '--partition', 'iid', '--num-partitions', '3', '--index', String(index),
          '--max-examples', '900', '--reconnect-max', '1s', ...extra,
        ])
        .withBindMounts([{ source: DATA_DIR, target: DATA_DIR, mode: 'ro' }]),
    );
  }

  /** The last lines of a container's log, for failure messages. */
  async logs(container: StartedTestContainer, lines = 40): Promise<string> {
    const res = await docker(['logs', '--tail', String(lines), container.getId()]);
    return res.stdout + res.stderr;
  }

  /** Removes every container (killed: nothing here needs a graceful end), the network and the volumes. Never throws. */
  async removeAll(): Promise<void> {
    const containers = [...this.containers];
    this.containers.clear();
    await Promise.all(containers.map((c) => c.stop({ timeout: 0, remove: true, removeVolumes: true }).catch(() => undefined)));
    // `docker run --rm` removes its container on exit; these only remain when a run hung or its client was killed.
    for (const n of this.names) await docker(['rm', '-f', '-v', n]);
    this.names.clear();
    await this.network?.stop().catch(() => undefined);
    this.network = undefined;
    for (const v of this.volumes) await docker(['volume', 'rm', '-f', v]);
    this.volumes.clear();
  }
}

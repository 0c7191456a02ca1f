/**
 * Containers: the image as a user runs it with its own CMD and HEALTHCHECK.
 * Without TLS it refuses to serve plaintext on 0.0.0.0 and says how to give
 * it a PKI; with a PKI made by `fedlink pki init` in its volume it runs as
 * uid 10001, turns healthy, and on `docker stop` drains and exits 0 before
 * docker's kill timeout.
 */
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { afterAll, describe, expect, it } from 'vitest';
import { ContainerStack } from './helpers/container-stack';
import { docker, dockerOk } from './helpers/docker-cli';
import { FEDLINK_IMAGE } from './helpers/images';

/** docker stop's grace period: past it docker sends SIGKILL (exit 137). */
const STOP_TIMEOUT_S = 30;

describe('docker image', () => {
  const stack = new ContainerStack();
  afterAll(() => stack.removeAll());

  it('image - its default command refuses plaintext on 0.0.0.0 with one line saying how to give it a PKI', async () => {
    const res = await docker(['run', '--rm', '--name', stack.containerName('plaintext'), FEDLINK_IMAGE], { timeoutMs: 60_000 });
    expect(res.code).toBe(2);
    const lines = res.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refusing to serve plaintext on 0\.0\.0\.0.*--pki/);
  });

  it('image - with a PKI in its volume it runs as uid 10001, turns healthy, and exits 0 on docker stop', async () => {
    const volume = stack.volume('pki');
    // As a user would: make the PKI in the volume with the image itself (as uid 10001, the volume's owner).
    await dockerOk(['run', '--rm', '--name', stack.containerName('pki-init'), '-v', `${volume}:/var/lib/fedlink`, FEDLINK_IMAGE, 'pki', 'init', '--dir', '/var/lib/fedlink/pki', '--host', 'coordinator,127.0.0.1']);
    const started = Date.now();
    // The image's own CMD and HEALTHCHECK (10 s interval): only the environment and the volume are given.
    const coordinator: StartedTestContainer = await stack.start(
      new GenericContainer(FEDLINK_IMAGE)
        .withEnvironment({ FEDLINK_PKI: '/var/lib/fedlink/pki' })
        .withBindMounts([{ source: volume, target: '/var/lib/fedlink', mode: 'rw' }])
        .withWaitStrategy(Wait.forHealthCheck())
        .withStartupTimeout(90_000),
    );
    console.log(`docker image: start → healthy in ${Date.now() - started} ms (HEALTHCHECK interval 10 s)`);
    const id = coordinator.getId();
    expect(JSON.parse(await dockerOk(['inspect', '--format', '{{json .State.Health.Status}}', id]))).toBe('healthy');

    // PID 1 is the coordinator itself, and it is not root.
    const status = await coordinator.exec(['cat', '/proc/1/status']);
    expect(status.output).toMatch(/^Uid:\s+10001\s+10001\s+10001\s+10001$/m);
    expect(status.output).toMatch(/^Gid:\s+10001\s+10001\s+10001\s+10001$/m);
    expect((await coordinator.exec(['cat', '/proc/1/cmdline'])).output.split('\0')).toEqual(expect.arrayContaining(['coordinator', '--host', '0.0.0.0']));
    // The state it writes belongs to that user.
    expect((await coordinator.exec(['stat', '-c', '%u', '/var/lib/fedlink/pki/tls.key'])).output.trim()).toBe('10001');

    const stopping = Date.now();
    await dockerOk(['stop', '-t', String(STOP_TIMEOUT_S), id], { timeoutMs: (STOP_TIMEOUT_S + 30) * 1000 });
    const stopMs = Date.now() - stopping;
    const state = JSON.parse(await dockerOk(['inspect', '--format', '{{json .State}}', id])) as { ExitCode: number; OOMKilled: boolean; Running: boolean };
    console.log(`docker image: docker stop → exited ${state.ExitCode} in ${stopMs} ms`);
    // Exit 0, not 137: SIGTERM reached PID 1 and the coordinator drained by itself before docker's SIGKILL.
    expect(state).toMatchObject({ ExitCode: 0, OOMKilled: false, Running: false });
    const logs = await stack.logs(coordinator, 200);
    expect(logs).toMatch(/drain|stopp/i);
  });
});

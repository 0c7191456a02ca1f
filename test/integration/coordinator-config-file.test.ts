/**
 * A real `fedlink coordinator` process configured only by a --config file (the
 * example, plus one limit) and FEDLINK_* variables, as a container or a systemd
 * unit would start it, answering the control commands.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { runCli, waitFor } from '../helpers/cli';

const EXAMPLE = new URL('../../examples/config/coordinator.yaml', import.meta.url);

describe('coordinator configured by a file and the environment', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-config-file-'));
  const group = new ProcessGroup(dir);

  afterAll(async () => {
    await group.stopAll(5000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('config file - a coordinator started with only --config and variables serves runs list, with the port and state directory from the environment and a limit from the file', async () => {
    // The example as shipped, plus a limit whose effect a client can see.
    const config = path.join(dir, 'coordinator.yaml');
    writeFileSync(config, `${readFileSync(EXAMPLE, 'utf8')}\nmax-active-runs: 1\n`);
    const port = await freePort();
    const stateDir = path.join(dir, 'state');
    const coordinator = group.start('coordinator', ['coordinator', '--config', config], { FEDLINK_PORT: String(port), FEDLINK_STATE_DIR: stateDir });
    const exited = new Promise<number | null>((resolve) => coordinator.on('exit', (code) => resolve(code)));
    const env = { FEDLINK_COORDINATOR: `127.0.0.1:${port}` };

    const listed = await waitFor('the coordinator to answer runs list', async () => {
      if (coordinator.exitCode !== null) throw new Error(`coordinator exited with ${coordinator.exitCode}: ${readFileSync(path.join(dir, 'coordinator.log'), 'utf8')}`);
      const res = await runCli(['runs', 'list', '--json'], { env });
      return res.code === 0 ? res : undefined;
    }, 60_000, 250);
    expect(JSON.parse(listed.stdout)).toEqual({ runs: [] });

    const created = await runCli(['runs', 'create', '--rounds', '1', '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    const { runId } = JSON.parse(created.stdout) as { runId: string };
    const refused = await runCli(['runs', 'create', '--rounds', '1'], { env });
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('the limit (--max-active-runs)') });
    expect((JSON.parse((await runCli(['runs', 'list', '--json'], { env })).stdout) as { runs: Array<{ runId: string }> }).runs.map((r) => r.runId)).toEqual([runId]);
    expect(existsSync(path.join(stateDir, 'runs')) && readdirSync(path.join(stateDir, 'runs')).some((f) => f.includes(runId))).toBe(true);

    await group.stop('coordinator', 10_000);
    expect(await exited).toBe(0);
  });

  it('config file - a coordinator whose file has an unknown key exits 2 with one line naming the file and the key', async () => {
    const config = path.join(dir, 'bad.yaml');
    writeFileSync(config, 'port: 0\ndrain-timout: 5s\n');
    const res = await runCli(['coordinator'], { env: { FEDLINK_CONFIG: config } });
    expect(res).toEqual({ code: 2, stdout: '', stderr: `fedlink: ${config}: unknown key "drain-timout" (not a setting of fedlink coordinator; did you mean drain-timeout?)\n` });
  });
});

/** `fedlink linkem` as a separate process, as a user (or an e2e test) starts it. */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FEDLINK_BIN } from '../../clients/demo/process-group';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('fedlink linkem process', () => {
  it('linkem - prints its bound port, relays traffic, and exits 0 on SIGTERM', async () => {
    const echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => echo.close(resolve)));
    const targetPort = (echo.address() as net.AddressInfo).port;

    const child = spawn(process.execPath, [FEDLINK_BIN, 'linkem', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${targetPort}`, '--profile', '5g-urllc', '--json', '--log-level', 'silent'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    cleanup.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const ready = await new Promise<{ listen: string; profile: { name: string; radio: string } }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
      });
      child.on('exit', (code) => reject(new Error(`linkem exited early with ${code}`)));
    });
    expect(ready.profile).toMatchObject({ name: '5g-urllc', radio: '5g-sa' });
    const port = Number(ready.listen.split(':').pop());

    const socket = net.connect({ host: '127.0.0.1', port });
    cleanup.push(() => socket.destroy());
    const echoed = await new Promise<string>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('data', (d: Buffer) => resolve(d.toString()));
      socket.write('ping through the link');
    });
    expect(echoed).toBe('ping through the link');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

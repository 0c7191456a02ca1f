/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core).
 * First the page against an in-memory source: hostile strings from clients stay
 * text, and the page runs under its content security policy without a
 * violation. Then end to end: `fedlink coordinator --http-port`, three real
 * daemons and a run; the page, loaded before the run starts, sees it appear,
 * its chart grow round by round, a round's client bars and a daemon's drop
 * reason, and the clients view. Screenshots are kept in test-artifacts/.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { systemClock } from '../../common/clock';
import { silentLogger } from '../../common/logger';
import type { RoundRecord } from '../../common/types';
import { createAuthHook, noAuth } from '../../services/coordinator/auth/auth-hook';
import { DashboardServer } from '../../services/coordinator/dashboard/dashboard-server';
import { artifactPath, launchChromium, type TestBrowser } from '../helpers/chromium';
import { runCli, waitFor } from '../helpers/cli';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { FakeDashboardSource, fakeRound, fakeRun } from '../helpers/fake-dashboard-source';
import { createTestPki, type TestPki } from '../helpers/pki';
import { waitForConnected } from '../helpers/connected-clients';

/** Console errors and failed requests of a page (a CSP violation is a console error). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** The number of rounds the page's chart plots. */
async function chartPoints(page: Page): Promise<number> {
  return Number(await page.locator('#chart').getAttribute('data-points'));
}

let browser: TestBrowser;

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(path.dirname(artifactPath('x')), { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('dashboard page', () => {
  const HOSTILE = '<img src=x onerror="window.__pwned=1">';
  let server: DashboardServer;
  let url = '';

  beforeAll(async () => {
    const source = new FakeDashboardSource();
    source.runs.set('run-x', fakeRun('run-x', { reason: `<b>${HOSTILE}</b>` }));
    const now = Date.now();
    const round = fakeRound(
      'run-x',
      1,
      [
        { clientId: 'edge-1', state: 'finished', numExamples: 10, bytesDown: 1, bytesUp: 1, selectedAtMs: now, dispatchedAtMs: now, downloadMs: 100, durationMs: 500, uploadMs: 50, acceptedAtMs: now + 800, finishedAtMs: now + 810, trainLoss: 1, trainAccuracy: 0.5 },
        { clientId: 'edge-2', state: 'dropped', reason: HOSTILE, numExamples: 0, bytesDown: 0, bytesUp: 0, selectedAtMs: now },
      ],
      { state: 'committed', startedAtMs: now, endedAtMs: now + 1000, eval: { loss: 0.9, accuracy: 0.7, numExamples: 100 }, meanTrainLoss: 1, skipped: [{ clientId: 'edge-3', reason: HOSTILE }] },
    );
    source.rounds.set('run-x', [round]);
    server = new DashboardServer({ host: '127.0.0.1', port: 0, auth: noAuth, source, clock: systemClock, logger: silentLogger() });
    await server.start();
    url = server.url;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('dashboard page - shows what clients sent as text, never as markup, and runs under its CSP without a violation', async () => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${url}#/runs/run-x`);
    await page.locator('#rounds tbody tr[data-round="1"]').click();
    const dropped = page.locator('#timeline .lane[data-client-id="edge-2"] .what');
    await expect.poll(() => dropped.textContent(), { timeout: 10_000 }).toBe(`dropped: ${HOSTILE}`);
    expect(await page.locator('#run-summary').textContent()).toContain(`<b>${HOSTILE}</b>`);
    expect(await page.locator('#skipped li').textContent()).toBe(`edge-3: ${HOSTILE}`);
    expect(await page.locator('main img, main b').count()).toBe(0);
    expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");
    // The finished client has its three bars; uPlot drew one round.
    expect(await page.locator('#timeline .lane[data-client-id="edge-1"] .bar').evaluateAll((bars) => bars.map((b) => b.className))).toEqual(['bar download', 'bar train', 'bar upload']);
    expect(await chartPoints(page)).toBe(1);
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('dashboard page over TLS', () => {
  let pki: TestPki;
  let server: DashboardServer;

  beforeAll(async () => {
    pki = await createTestPki();
    const source = new FakeDashboardSource();
    source.runs.set('run-tls', fakeRun('run-tls'));
    server = new DashboardServer({ host: '127.0.0.1', port: 0, tls: pki.coordinator, auth: createAuthHook({ tls: true }), source, clock: systemClock, logger: silentLogger() });
    await server.start();
  });

  afterAll(async () => {
    await server?.stop();
    pki?.remove();
  });

  it('dashboard page over TLS - a browser presenting a viewer certificate gets the live page (without one it is 401: dashboard-http.test.ts)', async () => {
    const origin = server.url.replace(/\/$/, '');
    // Chromium does not know the test CA: the server's certificate is not what this test is about.
    const vera = await pki.operator('vera', 'viewer');
    const viewer = await launchChromium({ ignoreHTTPSErrors: true, clientCertificates: [{ origin, cert: Buffer.from(vera.certPem), key: Buffer.from(vera.keyPem) }] });
    try {
      const page = await viewer.context.newPage();
      const errors = watchErrors(page);
      await page.goto(server.url);
      await page.locator('#live.on').waitFor({ timeout: 20_000 });
      await page.locator('#runs tbody tr[data-run-id="run-tls"]').waitFor({ timeout: 10_000 });
      expect(errors).toEqual([]);
    } finally {
      await viewer.close();
    }
  }, 120_000);
});

describe('dashboard e2e', () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-dashboard-'));
  const group = new ProcessGroup(logDir);
  let address = '';
  let dashboard = '';
  let control: ControlConnection;

  beforeAll(async () => {
    requireFashionMnist();
    const [port, httpPort] = [await freePort(), await freePort()];
    address = `127.0.0.1:${port}`;
    dashboard = `http://127.0.0.1:${httpPort}/`;
    group.start('coordinator', [
      'coordinator', '--host', '127.0.0.1', '--port', String(port), '--http-port', String(httpPort),
      '--client-timeout', '5s', '--reconnect-grace', '1s', '--state-dir', path.join(logDir, 'state'),
    ]);
    control = connectControl({ address, deadlineMs: 2000 });
    await waitFor('the coordinator to serve', () => control.listClients(), 60_000);
    for (let i = 0; i < 3; i++) {
      // edge-3, killed mid-training below, holds 20 times the others' examples: its training lasts
      // seconds, not milliseconds, so the kill lands before its upload (with 300 it sometimes did not).
      group.start(`edge-${i + 1}`, [
        'client', '--coordinator', address, '--id', `edge-${i + 1}`, '--partition', 'iid', '--num-partitions', '3', '--index', String(i), '--seed', '7', '--max-examples', i === 2 ? '18000' : '900',
      ]);
    }
    await waitForConnected(control, 3, { label: '3 connected clients', timeoutMs: 120_000 });
  }, 180_000);

  afterAll(async () => {
    control?.close();
    await group.stopAll(5000);
  });

  it('dashboard e2e - a page open before a run sees it appear, its chart grow, client bars, a drop reason and the clients view', async () => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(dashboard);
    await page.locator('#live.on').waitFor({ timeout: 20_000 });

    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--rounds', '6', '--clients-per-round', '3', '--min-clients', '2',
      '--local-epochs', '1', '--batch-size', '32', '--deadline', '120s', '--model', 'mlp', '--eval-data', 'fashion-mnist-test', '--seed', '7',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;

    // The run arrives through the event stream: the page is never reloaded.
    const row = page.locator(`#runs tbody tr[data-run-id="${runId}"]`);
    await row.waitFor({ timeout: 60_000 });
    await row.click();
    await page.waitForURL(`**/#/runs/${runId}`);
    // Every count of points the chart shows from now on, in order (the page sets data-points on each render).
    await page.evaluate(`(() => {
      const chart = document.getElementById('chart');
      window.pointsSeen = [Number(chart.dataset.points)];
      new MutationObserver(() => window.pointsSeen.push(Number(chart.dataset.points))).observe(chart, { attributes: true, attributeFilter: ['data-points'] });
    })()`);

    // Kill edge-3 while it trains in some round, so that round drops it with a reason.
    const rounds = async (): Promise<RoundRecord[]> => (await fetch(`${dashboard}api/runs/${runId}/rounds`)).json() as Promise<RoundRecord[]>;
    const killedIn = await waitFor('edge-3 training in a round', async () => {
      const current = (await rounds()).at(-1);
      const edge3 = current?.clients.find((c) => c.clientId === 'edge-3');
      if (current?.state !== 'training' || edge3?.state !== 'dispatched') return undefined;
      group.get('edge-3')!.kill('SIGKILL');
      return current.round;
    }, 120_000, 50);
    await page.screenshot({ path: artifactPath('dashboard-live.png'), fullPage: true });

    await waitFor('the run to complete', async () => ((await control.getRun(runId)).state === 'completed' ? true : undefined), 300_000, 500);
    const committed = (await rounds()).filter((r) => r.state === 'committed').map((r) => r.round);
    expect(committed).toEqual([1, 2, 3, 4, 5, 6]);
    await expect.poll(() => chartPoints(page), { timeout: 20_000 }).toBe(committed.length);
    // The chart grew while the page watched, never shrinking, up to one point per committed round.
    const seen = [...new Set((await page.evaluate('window.pointsSeen')) as number[])];
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(6);

    // Into the round edge-3 died in: two finished clients with download/train/upload bars, and edge-3's drop reason.
    await page.locator(`#rounds tbody tr[data-round="${killedIn}"]`).last().click();
    const lanes = page.locator(`#timeline[data-round="${killedIn}"] .lane`);
    await expect.poll(() => lanes.count(), { timeout: 10_000 }).toBe(3);
    for (const id of ['edge-1', 'edge-2']) {
      const lane = page.locator(`#timeline .lane[data-client-id="${id}"]`);
      expect(await lane.getAttribute('data-state')).toBe('finished');
      expect(await lane.locator('.bar').evaluateAll((bars) => bars.map((b) => b.className))).toEqual(['bar download', 'bar train', 'bar upload']);
    }
    const edge3 = page.locator('#timeline .lane[data-client-id="edge-3"]');
    expect(await edge3.getAttribute('data-state')).toBe('dropped');
    expect(await edge3.locator('.what').textContent()).toMatch(/^dropped: .*(disconnect|stream|session|deadline)/);
    await page.screenshot({ path: artifactPath('dashboard-run.png'), fullPage: true });

    // The clients view: the two daemons still up, with their links measured.
    await page.locator('#nav-clients').click();
    const clientRows = page.locator('#clients tbody tr');
    await expect.poll(() => clientRows.count(), { timeout: 20_000 }).toBe(3);
    const edge1 = page.locator('#clients tbody tr[data-client-id="edge-1"] td');
    expect(await edge1.nth(1).textContent()).toBe('connected');
    expect(await edge1.nth(4).textContent()).toMatch(/\d+(\.\d+)? (ms|s)$/);
    await expect.poll(() => page.locator('#clients tbody tr[data-client-id="edge-3"] td').nth(1).textContent(), { timeout: 20_000 }).toBe('disconnected');
    await page.screenshot({ path: artifactPath('dashboard-clients.png'), fullPage: true });

    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});

/**
 * Debian's Chromium driven by playwright-core (which downloads no browser):
 * a missing binary fails the test with the package to install, it never skips.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

/** What a browser may be launched with beyond the defaults: client certificates for HTTPS origins. */
export type BrowserOptions = Pick<BrowserContextOptions, 'clientCertificates' | 'ignoreHTTPSErrors'>;

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

// Headless, and kept off the network: no updates, sync, QUIC probes or first-run pages.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A browser with a fresh profile; close() removes the profile. */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a throwaway user-data-dir, or throws naming the package to install. */
export async function launchChromium(options: BrowserOptions = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the dashboard test needs Debian's Chromium: apt-get install chromium (infra/install-system-deps.sh does it)`);
  const profile = mkdtempSync(path.join(tmpdir(), 'fedlink-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 }, ...options });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** test-artifacts/ at the package root (gitignored): what tests keep for people to look at. */
export function artifactPath(name: string): string {
  return path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'test-artifacts', name);
}

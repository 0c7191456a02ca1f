import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    // e2e tests spawn real processes and train real models: give them room,
    // and run files one at a time so two heavy suites never share the 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks',
    // Two projects so a machine without Docker can run everything else: `npm run test:no-docker`.
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts'], exclude: ['test/docker/**', '**/node_modules/**'] } },
      {
        extends: true,
        test: {
          name: 'docker',
          include: ['test/docker/**/*.test.ts'],
          // Builds the images once; a missing engine fails here, saying how to start one.
          globalSetup: ['test/docker/global-setup.ts'],
          // Ryuk (testcontainers' reaper) is an image that cannot be pulled here: each test removes what it starts.
          env: { TESTCONTAINERS_RYUK_DISABLED: 'true' },
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});

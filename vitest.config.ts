import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers on port 0 and real SQLite files;
    // files run in parallel, tests inside a file in order.
    pool: 'forks',
  },
});

import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';

// One id per run, so the cluster suites' global teardown drops exactly the databases this run made.
process.env.LOUPE_TEST_RUN ??= randomBytes(4).toString('hex');

/** Suites that start real processes on PostgreSQL and Redis: each file brings up 3 instances, so one file at a time. */
const clusterProject = { maxWorkers: 1, testTimeout: 90_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers on port 0 and real SQLite files;
    // files run in parallel, tests inside a file in order.
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/cluster/**'] },
      },
      {
        // The multi-process tests of issue 12: three child processes on one database and one Redis, and faults.
        extends: true,
        test: { name: 'cluster', include: ['test/cluster/**/*.test.ts'], ...clusterProject },
      },
      {
        // The existing API, room and review suites, unchanged, against three instances (test/helpers/cluster-loupe.ts):
        // HTTP on one, every stock client on another. Left out: suites about one process by design (its memory or
        // response budget) or that bring a SQLite store of their own (injected faults, rows written under the server).
        extends: true,
        test: {
          name: 'cluster-suites',
          include: ['test/api/*.test.ts', 'test/collab/*.test.ts', 'test/review/review-api.test.ts'],
          exclude: [
            'test/api/response-budget.test.ts',
            'test/collab/memory-budget.test.ts',
            'test/collab/storage-faults.test.ts',
            'test/collab/stored-strays.test.ts',
            'test/collab/registry.test.ts',
            'test/collab/doc-json.test.ts',
          ],
          env: { LOUPE_TEST_CLUSTER: '3' },
          globalSetup: ['test/helpers/cluster-global.ts'],
          ...clusterProject,
        },
      },
    ],
  },
});

import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';

// One id per run, so the cluster suites' global teardown drops exactly the databases this run made.
process.env.LOUPE_TEST_RUN ??= randomBytes(4).toString('hex');

/**
 * Suites that start real processes on PostgreSQL and Redis: each file brings up 3 instances, so one file at a time,
 * and after the unit project (sequence.groupOrder), so two cores never carry both at once.
 */
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
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/cluster/**'], sequence: { groupOrder: 0 } },
      },
      {
        // The multi-process tests of issue 12: three child processes on one database and one Redis, and faults.
        extends: true,
        test: { name: 'cluster', include: ['test/cluster/**/*.test.ts'], sequence: { groupOrder: 1 }, ...clusterProject },
      },
      {
        // The existing API, room and review suites, unchanged, against three instances (test/helpers/cluster-loupe.ts):
        // HTTP on one, every stock client on another. Left out: suites about one process by design (its memory or
        // response budget) or that bring a SQLite store of their own (injected faults, rows written under the server).
        extends: true,
        test: {
          name: 'cluster-suites',
          include: [
            'test/api/artifacts-api.test.ts',
            'test/collab/live-room.test.ts',
            'test/collab/presence-flood.test.ts',
            'test/collab/socket-cap.test.ts',
            'test/collab/update-schema.test.ts',
            'test/review/review-api.test.ts',
            'test/versions/versions.test.ts',
            'test/governance/governance.test.ts',
            'test/governance/credentials.test.ts',
            'test/cli/review.test.ts',
            'test/authz/matrix.test.ts',
          ],
          env: { LOUPE_TEST_CLUSTER: '3' },
          globalSetup: ['test/helpers/cluster-global.ts'],
          sequence: { groupOrder: 2 },
          ...clusterProject,
        },
      },
    ],
  },
});

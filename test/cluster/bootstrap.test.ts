import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startCluster, type TestCluster } from '../helpers/cluster';

/** Issue 12: three instances started at the same moment on an empty database make one organization and one admin. */

let cluster: TestCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

describe('first start of a cluster', () => {
  it('three instances starting at once on an empty database make one organization, one admin, one agent token', async () => {
    cluster = await startCluster({ instances: 3, simultaneous: true });
    const client = new pg.Client({ connectionString: cluster.db.url });
    await client.connect();
    try {
      const count = async (table: string) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
      expect(await count('orgs')).toBe(1);
      expect(await count('users')).toBe(1);
      expect(await count('memberships')).toBe(1);
      expect(await count('agent_tokens')).toBe(1);
      // Migrations ran once each, whoever won the race.
      const versions = (await client.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((row) => Number(row.version));
      expect(new Set(versions).size).toBe(versions.length);
    } finally {
      await client.end();
    }
    // Every instance serves the one admin's token.
    for (const index of [0, 1, 2]) {
      const me = await cluster.api(index, '/api/v1/me');
      expect(me.status).toBe(200);
    }
  });
});

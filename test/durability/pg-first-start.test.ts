import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { PostgresStore } from '../../lib/store/postgres';
import { ADMIN_EMAIL, AGENT_TOKEN, TEST_AUTH_SECRET } from '../helpers/loupe';
import { spawnChildLoupe } from '../helpers/spawn-child';
import { createTestDatabase, type TestDatabase } from '../helpers/services';

/** Three real processes starting at the same moment on one empty database: one schema, one organization, one first admin. */
const children: ChildProcess[] = [];
const dirs: string[] = [];
let db: TestDatabase | undefined;
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

describe('first start of several instances on an empty PostgreSQL database', () => {
  it('makes exactly one organization and one admin, and every instance serves it', async () => {
    db = await createTestDatabase('first_start');
    const env = { DATABASE_URL: db.url, AUTH_SECRET: TEST_AUTH_SECRET, LOUPE_ADMIN_EMAIL: ADMIN_EMAIL };
    const started = await Promise.all(
      [0, 1, 2].map(() => {
        const dir = mkdtempSync(join(tmpdir(), 'loupe-first-'));
        dirs.push(dir);
        return spawnChildLoupe(dir, env);
      }),
    );
    children.push(...started.map((s) => s.child));
    const store = new PostgresStore(db.url, { poolMax: 2 });
    try {
      const orgs = await store.listOrgs();
      expect(orgs).toHaveLength(1);
      expect(await store.countUsers()).toBe(1);
      expect(await store.listMembersOfOrg(orgs[0].id)).toMatchObject([{ role: 'owner', user: { email: ADMIN_EMAIL } }]);
      expect(await store.listAgentTokens({ orgId: orgs[0].id })).toHaveLength(1);
    } finally {
      await store.close();
    }
    // The one agent token works on every instance (one signing secret, one database).
    for (const { url } of started) {
      const res = await fetch(`${url}/api/v1/artifacts`, { headers: { authorization: `Bearer ${AGENT_TOKEN}` } });
      expect(res.status).toBe(200);
    }
  });
});

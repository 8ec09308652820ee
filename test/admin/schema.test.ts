import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from '../../lib/store/postgres-schema';
import { SQLITE_MIGRATIONS } from '../../lib/store/sqlite-schema';
import { createTestDatabase, type TestDatabase } from '../helpers/services';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function loupe(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const name of ['DATABASE_URL', 'AUTH_SECRET', 'TEST_STORE', 'DATA_DIR']) delete base[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/loupe.mjs'), ...args], { cwd: ROOT, env: { ...base, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('loupe migrate (the schema of the configured database)', { timeout: 60_000 }, () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const step of cleanup) await step();
  });

  it('on PostgreSQL: creates the schema, three at once as well as again later', async () => {
    const database: TestDatabase = await createTestDatabase('migrate_schema');
    cleanup.push(() => database.drop());
    const runs = await Promise.all([1, 2, 3].map(() => loupe(['migrate'], { DATABASE_URL: database.url })));
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/the schema of postgres:\/\/.* is up to date/);
    }
    expect((await loupe(['migrate'], { DATABASE_URL: database.url })).code).toBe(0);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const versions = (await client.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((row) => Number(row.version));
      expect(versions).toEqual(POSTGRES_MIGRATIONS.map((_, index) => index + 1));
      expect((await client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'doc_updates'")).rows[0].n).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('on the embedded default: DATA_DIR/loupe.db at the current schema', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loupe-migrate-schema-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const run = await loupe(['migrate'], { DATA_DIR: dataDir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`the schema of ${join(dataDir, 'loupe.db')} is up to date`);
    const db = new Database(join(dataDir, 'loupe.db'), { readonly: true });
    const versions = (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((row) => row.version);
    db.close();
    expect(versions).toEqual(SQLITE_MIGRATIONS.map((_, index) => index + 1));
  });

  it('says what is wrong with a bad invocation', async () => {
    const run = await loupe(['migrate', '--verify'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--verify and --from go with --to postgres:\/\//);
    const bad = await loupe(['migrate', '--to', 'mysql://x'], { DATA_DIR: '/nonexistent-loupe' });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/--to must be a postgres:\/\//);
  });
});

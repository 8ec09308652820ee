// Real PostgreSQL and Redis for tests: each test file makes its own database (dropped after) and its own Redis key prefix.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests run against: the machine's PostgreSQL (trust auth). Override with TEST_PG_URL. */
export const TEST_PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The machine's Redis. Override with TEST_REDIS_URL. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  /** A postgres:// URL of a fresh, empty database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates an empty database of its own; `drop` ends every connection to it and removes it. */
export async function createTestDatabase(label = 'loupe'): Promise<TestDatabase> {
  const name = `${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
      await adminQuery(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A Redis key prefix no other run uses (`loupe-test:<random>:`). */
export function testRedisPrefix(): string {
  return `loupe-test:${randomBytes(6).toString('hex')}:`;
}

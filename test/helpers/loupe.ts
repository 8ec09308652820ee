import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { connectStock, whenStockSynced, type StockClient } from './stock-client';
import { loadConfig } from '../../server/config';
import { startLoupeServer, type LoupeServer } from '../../server/loupe-server';
import { silentLogger } from '../../server/log';
import { generateAgentToken, hashAgentToken } from '../../lib/auth/tokens';
import type { Role, Store, TokenScope } from '../../lib/store/types';
import { encode } from 'next-auth/jwt';
import { sessionCookieName } from '../../server/auth/identify';
import { SqliteStore } from '../../lib/store/sqlite';
import type { PubSub } from '../../server/pubsub/types';
import { PostgresStore } from '../../lib/store/postgres';
import Database from 'better-sqlite3';
import pg from 'pg';
import { TEST_PG_ADMIN_URL, createTestDatabase, type TestDatabase } from './services';

/**
 * TEST_STORE=postgres: every startTestLoupe without a store of the test's own
 * runs on a fresh PostgreSQL database (dropped on stop), so the existing suites run on both backends.
 */
export const TEST_ON_POSTGRES = process.env.TEST_STORE === 'postgres';
export const TEST_AUTH_SECRET = 'test-secret-'.padEnd(48, 'x');
/** A restart on the same DATA_DIR finds the same database, as it would find the same SQLite file. */
const databaseOfDataDir = new Map<string, TestDatabase>();

/**
 * Runs one statement straight on a test server's storage, around the store
 * (to plant what an older server or a hand edit left): `?` placeholders, on
 * its SQLite file or, under TEST_STORE=postgres, its database.
 */
export async function rawSql(loupe: TestLoupe, sql: string, params: unknown[] = []): Promise<void> {
  const database = databaseOfDataDir.get(loupe.dataDir);
  if (database) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      let n = 0;
      await client.query(sql.replace(/\?/g, () => `$${++n}`), params);
    } finally {
      await client.end();
    }
    return;
  }
  const db = new Database(join(loupe.dataDir, 'loupe.db'));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

/** The DATABASE_URL of a test server's storage: its PostgreSQL database, or its SQLite file as a sqlite: URL. */
export function databaseUrlOf(dataDir: string): string {
  return databaseOfDataDir.get(dataDir)?.url ?? `sqlite:${join(dataDir, 'loupe.db')}`;
}

/** The storage a server on this DATA_DIR uses (its database under TEST_STORE=postgres, else its SQLite file), opened on its own. */
export async function openStoreOfDataDir(dataDir: string): Promise<Store> {
  return TEST_ON_POSTGRES ? new PostgresStore((await testDatabaseFor(dataDir)).url) : new SqliteStore(join(dataDir, 'loupe.db'));
}

/** Makes `database` the one rawSql and openStoreOfDataDir find for this DATA_DIR (the cluster mode's own database). */
export function adoptTestDatabase(dataDir: string, database: TestDatabase): void {
  databaseOfDataDir.set(dataDir, database);
}

/** Under TEST_STORE=postgres: the database of a DATA_DIR (made on first use), for a server started as a child process. */
export async function testDatabaseFor(dataDir: string): Promise<TestDatabase> {
  let database = databaseOfDataDir.get(dataDir);
  if (!database) {
    sweepingOldDatabases ??= sweepOldTestDatabases().catch(() => {});
    await sweepingOldDatabases;
    // The creation time in the name: a database whose test never stopped it (a restart test's) is swept by a later run.
    database = await createTestDatabase(`${SWEPT_PREFIX}${Math.floor(Date.now() / 1000)}`);
    databaseOfDataDir.set(dataDir, database);
  }
  return database;
}

const SWEPT_PREFIX = 'loupe_t';
let sweepingOldDatabases: Promise<void> | undefined;

/** Drops this helper's databases over an hour old that nothing is connected to (DROP without FORCE refuses used ones). */
async function sweepOldTestDatabases(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${SWEPT_PREFIX}%`]);
    const hourAgo = Date.now() / 1000 - 3600;
    for (const { datname } of rows) {
      const created = Number(/^loupe_t(\d+)_[0-9a-f]+$/.exec(datname)?.[1]);
      if (!(created < hourAgo)) continue;
      await client.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => {});
    }
  } finally {
    await client.end();
  }
}

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'correct horse battery';
export const AGENT_TOKEN = 'loupe_' + 'A'.repeat(43);

export interface TestLoupe {
  server: LoupeServer;
  url: string;
  wsUrl: string;
  token: string;
  dataDir: string;
  store: Store;
  stop(): Promise<void>;
  /** A token for a new user of the given role (in the same org unless `orgId` is given). */
  makeToken(options: { role: Role; scopes: TokenScope[]; orgId?: string }): Promise<string>;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /**
   * Creates an artifact as an agent (the admin's token by default), then
   * publishes it to the whole org as that token's user, as a person would;
   * `{ draft: true }` leaves it a draft.
   */
  createArtifact(html?: string, token?: string, options?: { draft?: boolean }): Promise<string>;
  /** A signed-in browser session for a user: the cookie plus the Origin that cookie writes need. */
  sessionHeaders(userId: string): Promise<Record<string, string>>;
  /** The user an agent token belongs to. */
  userOfToken(token: string): Promise<string>;
  /** A new person in the org (or another) with this role. */
  makeUser(options: { role: Role; orgId?: string; name?: string }): Promise<string>;
  /** The first org's id. */
  orgId(): Promise<string>;
  /** Where the next stock client connects (in a cluster: another instance than the HTTP calls'); default wsUrl. */
  clientWsUrl?: () => string;
}

/**
 * A real Loupe (API + rooms + sandbox, no Next pages) on port 0 with a fresh SQLite file.
 * With LOUPE_TEST_CLUSTER=N (N >= 2) it is instance 0 of N on one PostgreSQL database and one Redis instead
 * (test/helpers/cluster-loupe.ts): the test's HTTP calls go to it, its stock clients to the others.
 */
export async function startTestLoupe(
  options: {
    dataDir?: string;
    store?: Store;
    idleUnloadMs?: number;
    env?: Record<string, string>;
    /** The bus: a LocalPubSub({ fansOut: true }) shared by several servers in this process, or a Redis bus. */
    pubsub?: PubSub;
    /** Shared limits in this Redis (set on the config directly: the config refuses REDIS_URL next to SQLite). */
    redis?: { url: string; prefix: string };
  } = {},
): Promise<TestLoupe> {
  if (clusterSize() > 1) return (await import('./cluster-loupe')).startClusterLoupe(options, clusterSize());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'loupe-test-'));
  let database: TestDatabase | null = null;
  let ownsDatabase = false;
  if (!options.store && TEST_ON_POSTGRES) {
    ownsDatabase = !options.dataDir && !databaseOfDataDir.has(dataDir);
    database = await testDatabaseFor(dataDir);
  }
  const config = loadConfig({
    PORT: '0',
    SANDBOX_PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOUPE_ADMIN_EMAIL: ADMIN_EMAIL,
    LOUPE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOUPE_AGENT_TOKEN: AGENT_TOKEN,
    ROOM_IDLE_UNLOAD_MS: String(options.idleUnloadMs ?? 0),
    ...(database ? { DATABASE_URL: database.url, AUTH_SECRET: TEST_AUTH_SECRET } : {}),
    ...options.env,
  });
  if (options.redis) {
    config.redisUrl = options.redis.url;
    config.redisPrefix = options.redis.prefix;
  }
  const store = options.store ?? (database ? new PostgresStore(database.url) : new SqliteStore(join(dataDir, 'loupe.db')));
  const server = await startLoupeServer({ config, logger: silentLogger, store, pubsub: options.pubsub });
  return testLoupeOf({
    server,
    store,
    dataDir,
    stop: async () => {
      await server.stop();
      if (database && ownsDatabase) {
        databaseOfDataDir.delete(dataDir);
        await database.drop();
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/** How many instances the suites run against: LOUPE_TEST_CLUSTER (unset: 1, one in-process server, on SQLite or TEST_STORE). */
export function clusterSize(): number {
  return Number(process.env.LOUPE_TEST_CLUSTER ?? '1') || 1;
}

/** The test's handle on a started server: its URLs, and people, tokens and pages made in its store. */
export function testLoupeOf(parts: {
  server: LoupeServer;
  store: Store;
  dataDir: string;
  stop(): Promise<void>;
  clientWsUrl?: () => string;
}): TestLoupe {
  const { server, store, dataDir } = parts;
  const port = new URL(server.appOrigin).port;
  const url = `http://127.0.0.1:${port}`;
  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${init.token ?? AGENT_TOKEN}`);
    return fetch(url + path, { ...init, headers });
  };
  const loupe: TestLoupe = {
    server,
    url,
    wsUrl: `ws://127.0.0.1:${port}/collab`,
    token: AGENT_TOKEN,
    dataDir,
    store,
    stop: parts.stop,
    clientWsUrl: parts.clientWsUrl,
    orgId: async () => {
      const owner = await store.getUserByEmail(ADMIN_EMAIL);
      return (await store.listMembershipsOfUser(owner!.id))[0].orgId;
    },
    makeUser: async ({ role, orgId, name }) => {
      const org = orgId ?? (await loupe.orgId());
      if (!(await store.getOrg(org))) await store.createOrg({ id: org, name: 'Other org', createdAt: Date.now() });
      const userId = randomUUID();
      await store.createUser({ id: userId, email: `${userId}@example.com`, name: name ?? `User ${role}`, passwordHash: null, createdAt: Date.now() });
      await store.putMembership({ orgId: org, userId, role, createdAt: Date.now() });
      return userId;
    },
    sessionHeaders: async (userId) => {
      const sid = randomUUID();
      await store.createSession({ id: sid, userId, createdAt: Date.now(), expiresAt: Date.now() + 3600_000, revokedAt: null });
      const name = sessionCookieName(server.appOrigin);
      const jwt = await encode({ token: { sid, uid: userId }, secret: server.services.authSecret, salt: name });
      return { cookie: `${name}=${jwt}`, origin: server.appOrigin };
    },
    userOfToken: async (token) => {
      const record = await store.getAgentTokenByHash(hashAgentToken(token));
      if (!record) throw new Error('unknown token');
      return record.userId;
    },
    makeToken: async ({ role, scopes, orgId }) => {
      const org = orgId ?? (await loupe.orgId());
      const userId = await loupe.makeUser({ role, orgId: org });
      const token = generateAgentToken();
      await store.createAgentToken({
        id: randomUUID(),
        orgId: org,
        userId,
        name: `${role} token`,
        tokenHash: hashAgentToken(token),
        scopes,
        createdAt: Date.now(),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      return token;
    },
    api,
    createArtifact: async (html, token, options = {}) => {
      const res = await api('/api/v1/artifacts', {
        method: 'POST',
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Test page', project: 'tests', session: 's1', html }),
      });
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
      const id = ((await res.json()) as { id: string }).id;
      if (options.draft) return id;
      const headers = await loupe.sessionHeaders(await loupe.userOfToken(token ?? AGENT_TOKEN));
      const published = await fetch(`${url}/api/v1/artifacts/${id}/publish`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ visibility: 'org' }),
      });
      if (published.status !== 200) throw new Error(`publish failed: ${published.status} ${await published.text()}`);
      return id;
    },
  };
  return loupe;
}

export type TestClient = StockClient;

/**
 * A stock y-websocket client (the same one browsers use) with `ws` as its WebSocket. Under LOUPE_TEST_CLUSTER it
 * connects to another instance than `loupe.server`, unless `inProcess`: for a test that then inspects the room
 * inside `loupe.server` (its registry, counters, pending structs), which only that process can show.
 */
export function connectClient(loupe: TestLoupe, room: string, token: string = loupe.token, options: { inProcess?: boolean } = {}): TestClient {
  const url = options.inProcess ? loupe.wsUrl : (loupe.clientWsUrl?.() ?? loupe.wsUrl);
  return connectStock(url, room, token);
}

export const whenSynced: (client: TestClient) => Promise<void> = whenStockSynced;

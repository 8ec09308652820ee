import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
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
import { createTestDatabase, type TestDatabase } from './services';

/**
 * TEST_STORE=postgres: every startTestLoupe without a store of the test's own
 * runs on a fresh PostgreSQL database (dropped on stop), so the existing suites run on both backends.
 */
export const TEST_ON_POSTGRES = process.env.TEST_STORE === 'postgres';
const TEST_AUTH_SECRET = 'test-secret-'.padEnd(48, 'x');
/** A restart on the same DATA_DIR finds the same database, as it would find the same SQLite file. */
const databaseOfDataDir = new Map<string, TestDatabase>();

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
}

/** A real Loupe (API + rooms + sandbox, no Next pages) on port 0 with a fresh SQLite file. */
export async function startTestLoupe(
  options: { dataDir?: string; store?: Store; pubsub?: PubSub; idleUnloadMs?: number; env?: Record<string, string> } = {},
): Promise<TestLoupe> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'loupe-test-'));
  let database: TestDatabase | null = null;
  let ownsDatabase = false;
  if (!options.store && TEST_ON_POSTGRES) {
    database = databaseOfDataDir.get(dataDir) ?? null;
    if (!database) {
      database = await createTestDatabase('loupe_api');
      databaseOfDataDir.set(dataDir, database);
      ownsDatabase = !options.dataDir;
    }
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
  const store = options.store ?? (database ? new PostgresStore(database.url) : new SqliteStore(join(dataDir, 'loupe.db')));
  const server = await startLoupeServer({ config, logger: silentLogger, store, pubsub: options.pubsub });
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
    stop: async () => {
      await server.stop();
      if (database && ownsDatabase) {
        databaseOfDataDir.delete(dataDir);
        await database.drop();
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
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

export interface TestClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  text: Y.Text;
  closes: Array<{ code: number; reason: string }>;
  destroy(): void;
}

/** A stock y-websocket client (the same one browsers use) with `ws` as its WebSocket. */
export function connectClient(loupe: TestLoupe, room: string, token: string = loupe.token): TestClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(loupe.wsUrl, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
  });
  const closes: TestClient['closes'] = [];
  provider.on('connection-close', (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
  });
  return {
    doc,
    provider,
    text: doc.getText('html'),
    closes,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

export function whenSynced(client: TestClient): Promise<void> {
  if (client.provider.synced) return Promise.resolve();
  return new Promise((resolve) => client.provider.once('sync', () => resolve()));
}

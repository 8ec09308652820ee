// N real Loupe processes on one PostgreSQL database and one Redis: the multi-process deployment, for tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { connectStock, whenStockSynced, type StockClient } from './stock-client';
import { encode } from 'next-auth/jwt';
import { openStore } from '../../lib/store';
import type { Role, Store, TokenScope } from '../../lib/store/types';
import { generateAgentToken, hashAgentToken } from '../../lib/auth/tokens';
import { sessionCookieName } from '../../server/auth/identify';
import { createTestDatabase, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from './services';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { createServer } from 'node:net';

export const CLUSTER_ADMIN_EMAIL = 'admin@example.com';
export const CLUSTER_ADMIN_PASSWORD = 'correct horse battery';
export const CLUSTER_AGENT_TOKEN = 'loupe_' + 'C'.repeat(43);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 60_000;
/** With Next pages (scripts/start.mjs), a start may first build. */
const PAGES_START_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ClusterInstance {
  index: number;
  /** Where this instance listens (http://127.0.0.1:port), whatever APP_ORIGIN says. */
  url: string;
  wsUrl: string;
  port: number;
  sandboxPort: number;
  child: ChildProcess | null;
  /** Everything it printed (stdout and stderr) since its last start. */
  output: string;
}

export interface ClusterOptions {
  /** How many instances (default 3). */
  instances?: number;
  /** Added to every instance's environment (e.g. VERSION_QUIET_MS). */
  env?: Record<string, string>;
  /** Per instance, on top of `env`. */
  envOf?: (index: number) => Record<string, string>;
  /** PostgreSQL through a fault-injecting proxy (cluster.pgProxy), for outage tests. */
  pgThroughProxy?: boolean;
  /** Another Redis (a private redis-server); default the machine's (TEST_REDIS_URL). */
  redisUrl?: string;
  /** Start every instance at the same moment (default: the first alone, so it bootstraps, then the rest together). */
  simultaneous?: boolean;
  /** Full Loupe with Next pages (scripts/start.mjs, needs a build) instead of the API-only test child. */
  pages?: boolean;
  /** APP_ORIGIN and SANDBOX_ORIGIN every instance shares (a load balancer's); default the first instance's. */
  appOrigin?: string;
  sandboxOrigin?: string;
}

export interface TestCluster {
  instances: ClusterInstance[];
  db: TestDatabase;
  redisUrl: string;
  redisPrefix: string;
  authSecret: string;
  appOrigin: string;
  sandboxOrigin: string;
  /** The admin's agent token (LOUPE_AGENT_TOKEN of the first start). */
  token: string;
  pgProxy: TcpProxy | null;
  /** The test's own handle on the shared database (not through the proxy). */
  store: Store;
  url(index: number): string;
  wsUrl(index: number): string;
  api(index: number, path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** Sends `signal` (default SIGKILL) and waits until the process is gone. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts instance `index` again on the same ports. */
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
  orgId(): Promise<string>;
  makeUser(options: { role: Role; name?: string }): Promise<string>;
  makeToken(options: { role: Role; scopes: TokenScope[] }): Promise<string>;
  userOfToken(token: string): Promise<string>;
  sessionHeaders(userId: string): Promise<Record<string, string>>;
  /** Creates a page as the admin's agent through instance `index`, published to the org (unless `draft`). */
  createArtifact(html?: string, options?: { index?: number; draft?: boolean; token?: string }): Promise<string>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const count = options.instances ?? 3;
  const db = await createTestDatabase('cluster');
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const redisPrefix = testRedisPrefix();
  const authSecret = randomBytes(32).toString('base64url');
  const pgProxy = options.pgThroughProxy ? await startTcpProxy(pgTargetOf(db.url)) : null;
  const databaseUrl = pgProxy ? pgProxy.urlThrough(db.url) : db.url;
  const dataDirs: string[] = [];
  const instances: ClusterInstance[] = [];
  for (let index = 0; index < count; index++) {
    const port = await listenPort();
    const sandboxPort = await listenPort();
    instances.push({ index, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/collab`, port, sandboxPort, child: null, output: '' });
    dataDirs.push(mkdtempSync(join(tmpdir(), `loupe-cluster-${index}-`)));
  }
  // Browsers and cookies see one origin, as behind a load balancer: the first instance's unless one is given.
  const appOrigin = options.appOrigin ?? `http://localhost:${instances[0].port}`;
  const sandboxOrigin = options.sandboxOrigin ?? `http://127.0.0.1:${instances[0].sandboxPort}`;

  const envOf = (index: number): Record<string, string> => ({
    PORT: String(instances[index].port),
    SANDBOX_PORT: String(instances[index].sandboxPort),
    HOST: '127.0.0.1',
    APP_ORIGIN: appOrigin,
    SANDBOX_ORIGIN: sandboxOrigin,
    // Each its own directory: nothing may be shared through a disk that several machines would not have.
    DATA_DIR: dataDirs[index],
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    AUTH_SECRET: authSecret,
    LOUPE_ADMIN_EMAIL: CLUSTER_ADMIN_EMAIL,
    LOUPE_ADMIN_PASSWORD: CLUSTER_ADMIN_PASSWORD,
    LOUPE_AGENT_TOKEN: CLUSTER_AGENT_TOKEN,
    ROOM_IDLE_UNLOAD_MS: '0',
    LOG_LEVEL: 'warn',
    LOUPE_TEST_CHILD_LOG: '1',
    NEXT_TELEMETRY_DISABLED: '1',
    ...options.env,
    ...options.envOf?.(index),
  });

  const start = (index: number) => startInstance(instances[index], envOf(index), options.pages ?? false);
  let stopped = false;
  const killAll = async () => {
    await Promise.all(instances.map((instance) => killInstance(instance, 'SIGKILL')));
  };
  try {
    if (options.simultaneous) {
      await Promise.all(instances.map((_, index) => start(index)));
    } else {
      await start(0);
      await Promise.all(instances.slice(1).map((_, index) => start(index + 1)));
    }
  } catch (error) {
    await killAll();
    await pgProxy?.close();
    await db.drop();
    throw error;
  }

  const store = openStore({ databaseUrl: db.url, dataDir: dataDirs[0] });
  const api = (index: number, path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization') && !headers.has('cookie')) headers.set('authorization', `Bearer ${init.token ?? CLUSTER_AGENT_TOKEN}`);
    return fetch(instances[index].url + path, { ...init, headers });
  };
  const cluster: TestCluster = {
    instances,
    db,
    redisUrl,
    redisPrefix,
    authSecret,
    appOrigin,
    sandboxOrigin,
    token: CLUSTER_AGENT_TOKEN,
    pgProxy,
    store,
    url: (index) => instances[index].url,
    wsUrl: (index) => instances[index].wsUrl,
    api,
    kill: (index, signal = 'SIGKILL') => killInstance(instances[index], signal),
    restart: (index) => start(index),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // Graceful first (flushes, closes sockets with a named code); whatever hangs is killed.
      await Promise.all(instances.map((instance) => killInstance(instance, 'SIGTERM')));
      await store.close().catch(() => {});
      await pgProxy?.close();
      await db.drop();
      await deleteRedisPrefix(redisUrl, redisPrefix);
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    },
    orgId: async () => {
      const owner = await store.getUserByEmail(CLUSTER_ADMIN_EMAIL);
      return (await store.listMembershipsOfUser(owner!.id))[0].orgId;
    },
    makeUser: async ({ role, name }) => {
      const userId = randomUUID();
      await store.createUser({ id: userId, email: `${userId}@example.com`, name: name ?? `User ${role}`, passwordHash: null, createdAt: Date.now() });
      await store.putMembership({ orgId: await cluster.orgId(), userId, role, createdAt: Date.now() });
      return userId;
    },
    makeToken: async ({ role, scopes }) => {
      const userId = await cluster.makeUser({ role });
      const token = generateAgentToken();
      await store.createAgentToken({
        id: randomUUID(), orgId: await cluster.orgId(), userId, name: `${role} token`, tokenHash: hashAgentToken(token), scopes,
        createdAt: Date.now(), expiresAt: null, lastUsedAt: null, revokedAt: null,
      });
      return token;
    },
    userOfToken: async (token) => {
      const record = await store.getAgentTokenByHash(hashAgentToken(token));
      if (!record) throw new Error('unknown token');
      return record.userId;
    },
    sessionHeaders: async (userId) => {
      const sid = randomUUID();
      await store.createSession({ id: sid, userId, createdAt: Date.now(), expiresAt: Date.now() + 3600_000, revokedAt: null });
      const name = sessionCookieName(appOrigin);
      const jwt = await encode({ token: { sid, uid: userId }, secret: authSecret, salt: name });
      return { cookie: `${name}=${jwt}`, origin: appOrigin };
    },
    createArtifact: async (html = '<p>start</p>', { index = 0, draft = false, token } = {}) => {
      const res = await api(index, '/api/v1/artifacts', {
        method: 'POST',
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Cluster page', project: 'tests', session: 's1', html }),
      });
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
      const id = ((await res.json()) as { id: string }).id;
      if (draft) return id;
      const headers = await cluster.sessionHeaders(await cluster.userOfToken(token ?? CLUSTER_AGENT_TOKEN));
      const published = await api(index, `/api/v1/artifacts/${id}/publish`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ visibility: 'org' }),
      });
      if (published.status !== 200) throw new Error(`publish failed: ${published.status} ${await published.text()}`);
      return id;
    },
  };
  return cluster;
}

/**
 * A port for a listener that must keep its number across restarts (and be known before the first start). Taken
 * below the kernel's ephemeral range (ip_local_port_range, 32768 and up by default): a port that listen(0) says is
 * free now can be handed to an outgoing connection (to PostgreSQL, to Redis) before the instance binds it.
 */
export async function listenPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

function pgTargetOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 5432) };
}

export async function startInstance(instance: ClusterInstance, env: Record<string, string>, pages: boolean): Promise<void> {
  if (instance.child && instance.child.exitCode === null && instance.child.signalCode === null) throw new Error(`instance ${instance.index} is running`);
  const args = pages ? ['scripts/start.mjs'] : ['--import', 'tsx', 'test/helpers/child-server.ts'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  instance.child = child;
  instance.output = '';
  const append = (chunk: Buffer) => {
    // The tail is what explains a failure; a chatty instance must not grow the test's memory.
    instance.output = (instance.output + chunk.toString()).slice(-64 * 1024);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const deadline = Date.now() + (pages ? PAGES_START_TIMEOUT_MS : START_TIMEOUT_MS);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`instance ${instance.index} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${instance.output}`);
    }
    const health = await fetch(`${instance.url}/api/health`).catch(() => null);
    if (health?.status === 200) return;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`instance ${instance.index} was not healthy in time:\n${instance.output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function killInstance(instance: ClusterInstance, signal: NodeJS.Signals): Promise<void> {
  const child = instance.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = signal === 'SIGKILL' ? null : setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      if (timer) clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** Removes every key under the prefix (rate-limit buckets and the like), so runs leave nothing behind. */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // A private redis-server that a test already stopped has nothing left to clean.
  } finally {
    redis.disconnect();
  }
}

export type ClusterClient = StockClient;

/** A stock y-websocket client (what browsers run) on instance `index`, with `ws` as its WebSocket. */
export function connectAt(cluster: Pick<TestCluster, 'wsUrl' | 'token'>, index: number, room: string, token: string = cluster.token): ClusterClient {
  return connectToUrl(cluster.wsUrl(index), room, token);
}

/** The same, to any /collab URL (a load balancer's, say). */
export const connectToUrl: (wsUrl: string, room: string, token: string) => ClusterClient = connectStock;

export const synced: (client: ClusterClient) => Promise<void> = whenStockSynced;

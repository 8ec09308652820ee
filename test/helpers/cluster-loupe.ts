// startTestLoupe under LOUPE_TEST_CLUSTER=N: the existing suites, unchanged, against N instances on one PostgreSQL
// database and one Redis. Instance 0 runs in the test's process (so a suite that looks at `loupe.server` or
// `loupe.store` still can) and takes the suite's HTTP calls and raw sockets; instances 1..N-1 are real child
// processes, and every stock client (connectClient) goes to one of them in turn, so writers and readers sit on
// different instances.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config';
import { startLoupeServer } from '../../server/loupe-server';
import { silentLogger } from '../../server/log';
import type { Store } from '../../lib/store/types';
import type { PubSub } from '../../server/pubsub/types';
import { adoptTestDatabase, ADMIN_EMAIL, ADMIN_PASSWORD, AGENT_TOKEN, testLoupeOf, type TestLoupe } from './loupe';
import { createTestDatabase, testRedisPrefix, TEST_PG_ADMIN_URL, TEST_REDIS_URL } from './services';
import { deleteRedisPrefix, killInstance, listenPort, startInstance, type ClusterInstance } from './cluster';

/** What a suite that restarts "the same server" (same dataDir) must find again: the same database and secret. */
interface Shared {
  databaseUrl: string;
  databaseName: string;
  redisPrefix: string;
  authSecret: string;
}

const SHARED_FILE = 'cluster.json';

export async function startClusterLoupe(
  options: { dataDir?: string; store?: Store; pubsub?: PubSub; idleUnloadMs?: number; env?: Record<string, string> },
  size: number,
): Promise<TestLoupe> {
  if (options.store || options.pubsub) {
    throw new Error('LOUPE_TEST_CLUSTER: a suite that brings its own store or bus cannot run on the cluster (they are one process’s)');
  }
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'loupe-test-'));
  const sharedPath = join(dataDir, SHARED_FILE);
  let shared: Shared;
  if (existsSync(sharedPath)) {
    shared = JSON.parse(readFileSync(sharedPath, 'utf8')) as Shared;
  } else {
    // Named after the run, so the project's global teardown drops what a suite that keeps its dataDir leaves.
    const db = await createTestDatabase(`clsuite_${process.env.LOUPE_TEST_RUN ?? 'adhoc'}`);
    shared = { databaseUrl: db.url, databaseName: db.name, redisPrefix: testRedisPrefix(), authSecret: randomBytes(32).toString('base64url') };
    writeFileSync(sharedPath, JSON.stringify(shared));
  }
  // What a suite plants around the store (rawSql) goes to this database.
  adoptTestDatabase(dataDir, { url: shared.databaseUrl, name: shared.databaseName, drop: () => dropDatabase(shared.databaseName) });
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    DATABASE_URL: shared.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: shared.redisPrefix,
    AUTH_SECRET: shared.authSecret,
    LOUPE_ADMIN_EMAIL: ADMIN_EMAIL,
    LOUPE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOUPE_AGENT_TOKEN: AGENT_TOKEN,
    ROOM_IDLE_UNLOAD_MS: String(options.idleUnloadMs ?? 0),
    ...options.env,
  };
  const config = loadConfig({ ...env, PORT: '0', SANDBOX_PORT: '0', DATA_DIR: dataDir });
  const server = await startLoupeServer({ config, logger: silentLogger });
  const others: ClusterInstance[] = [];
  const childDirs: string[] = [];
  try {
    for (let index = 1; index < size; index++) {
      const port = await listenPort();
      const instance: ClusterInstance = {
        index, port, sandboxPort: await listenPort(), url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/collab`, child: null, output: '',
      };
      const childDir = mkdtempSync(join(tmpdir(), `loupe-test-${index}-`));
      childDirs.push(childDir);
      others.push(instance);
      await startInstance(
        instance,
        {
          ...env,
          PORT: String(instance.port),
          SANDBOX_PORT: String(instance.sandboxPort),
          DATA_DIR: childDir,
          // One origin for the whole cluster, as behind a load balancer: sessions and Origin checks hold on any instance.
          APP_ORIGIN: server.appOrigin,
          SANDBOX_ORIGIN: server.sandboxOrigin,
          LOG_LEVEL: 'warn',
          LOUPE_TEST_CHILD_LOG: '1',
        },
        false,
      );
    }
  } catch (error) {
    await Promise.all(others.map((instance) => killInstance(instance, 'SIGKILL')));
    await server.stop();
    throw error;
  }
  let next = 0;
  return testLoupeOf({
    server,
    store: server.services.store,
    dataDir,
    clientWsUrl: () => others[next++ % others.length].wsUrl,
    stop: async () => {
      await Promise.all(others.map((instance) => killInstance(instance, 'SIGTERM')));
      await server.stop();
      for (const dir of childDirs) rmSync(dir, { recursive: true, force: true });
      // A suite that passed its own dataDir may start "the same server" again: its database stays until then.
      if (options.dataDir) return;
      await dropDatabase(shared.databaseName);
      await deleteRedisPrefix(TEST_REDIS_URL, shared.redisPrefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

async function dropDatabase(name: string): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
  } finally {
    await client.end();
  }
}

/** For the cluster project's global teardown: drops every database this run's suites left (see Shared). */
export async function dropRunDatabases(run: string): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  let names: string[];
  try {
    const rows = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`clsuite_${run}_%`]);
    names = rows.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
  for (const name of names) await dropDatabase(name);
}

// Several Loupe servers in this test process on one store and one bus: the multi-process contract of
// shared state (cut-offs, access events, single owners) without process start-up costs. The real-process
// cluster tests live with the cluster helper; these run in the ordinary suite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../lib/store/sqlite';
import type { Store } from '../../lib/store/types';
import { LocalPubSub } from '../../server/pubsub/local';
import type { PubSub } from '../../server/pubsub/types';
import { PostgresStore } from '../../lib/store/postgres';
import { RedisPubSub } from '../../server/pubsub/redis';
import { silentLogger } from '../../server/log';
import { startTestLoupe, TEST_ON_POSTGRES, type TestLoupe } from './loupe';
import { createTestDatabase, TEST_REDIS_URL, testRedisPrefix } from './services';

/** TEST_BUS=redis: each server of a cluster gets a RedisPubSub of its own (signed, on the machine's Redis). */
const TEST_ON_REDIS_BUS = process.env.TEST_BUS === 'redis';

const TEST_AUTH_SECRET = 'cluster-test-secret-'.padEnd(48, 'x');

export interface InProcessCluster {
  nodes: TestLoupe[];
  store: Store;
  pubsub: PubSub;
  stop(): Promise<void>;
}

/**
 * `count` servers sharing one SQLite file through one store handle (so the
 * store's locks and transactions are shared as PostgreSQL's are), one
 * DATA_DIR (one signing key) and one fanning-out bus. Each server gets a view
 * of the store whose `close` does nothing: the cluster closes it once, after
 * every server stopped. `wrapStore` lets a test see each server's calls.
 *
 * TEST_STORE=postgres: one fresh PostgreSQL database, each server with a
 * store (a connection pool) of its own, as separate processes would have;
 * `store` is one more handle, for the test's own reads and writes.
 *
 * TEST_BUS=redis: each server has a RedisPubSub of its own on one test
 * prefix (as processes would), and `pubsub` is one more, for the test.
 */
export async function startInProcessCluster(
  count: number,
  options: {
    env?: Record<string, string>;
    pubsub?: PubSub;
    redis?: { url: string; prefix: string };
    /** Every server on a RedisPubSub of its own at this URL (a redis-server of the test's own, for faults). */
    busUrl?: string;
    wrapStore?: (store: Store, node: number) => Store;
  } = {},
): Promise<InProcessCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-cluster-'));
  const database = TEST_ON_POSTGRES ? await createTestDatabase('loupe_cluster') : null;
  const store: Store = database ? new PostgresStore(database.url) : new SqliteStore(join(dataDir, 'loupe.db'));
  const env = { ...(database ? { DATABASE_URL: database.url, AUTH_SECRET: TEST_AUTH_SECRET } : {}), ...options.env };
  const busPrefix = testRedisPrefix();
  const openRedisBus = async () => {
    const bus = new RedisPubSub({
      url: options.busUrl ?? TEST_REDIS_URL,
      prefix: busPrefix,
      secrets: [TEST_AUTH_SECRET],
      logger: silentLogger,
      // Reconnect quickly after a test restarts Redis.
      redisOptions: { retryStrategy: () => 50 },
    });
    if (!(await bus.connected(5_000))) throw new Error('the test Redis is not reachable');
    return bus;
  };
  const useRedisBus = !options.pubsub && (TEST_ON_REDIS_BUS || options.busUrl !== undefined);
  const pubsub = options.pubsub ?? (useRedisBus ? await openRedisBus() : new LocalPubSub({ fansOut: true }));
  const nodes: TestLoupe[] = [];
  for (let i = 0; i < count; i++) {
    const shared = database
      ? new PostgresStore(database.url)
      : (new Proxy(store, { get: (target, prop) => (prop === 'close' ? async () => {} : (Reflect.get(target, prop) as unknown)) }) as Store);
    // Each server closes "its" bus on stop; a shared one is closed once, below.
    const ownBus = useRedisBus ? await openRedisBus() : null;
    const bus = ownBus ?? new Proxy(pubsub, { get: (target, prop) => (prop === 'close' ? async () => {} : (Reflect.get(target, prop) as unknown)) });
    nodes.push(
      await startTestLoupe({
        dataDir,
        store: options.wrapStore ? options.wrapStore(shared, i) : shared,
        pubsub: bus,
        env,
        redis: options.redis,
      }),
    );
  }
  let stopping: Promise<void> | null = null;
  return {
    nodes,
    store,
    pubsub,
    stop: () =>
      (stopping ??= (async () => {
        for (const node of nodes) await node.stop();
        await pubsub.close();
        await store.close();
        await database?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      })()),
  };
}

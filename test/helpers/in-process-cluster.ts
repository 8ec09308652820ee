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
import { startTestLoupe, type TestLoupe } from './loupe';

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
 */
export async function startInProcessCluster(
  count: number,
  options: {
    env?: Record<string, string>;
    pubsub?: PubSub;
    redis?: { url: string; prefix: string };
    wrapStore?: (store: Store, node: number) => Store;
  } = {},
): Promise<InProcessCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-cluster-'));
  const store = new SqliteStore(join(dataDir, 'loupe.db'));
  const pubsub = options.pubsub ?? new LocalPubSub({ fansOut: true });
  const nodes: TestLoupe[] = [];
  for (let i = 0; i < count; i++) {
    const shared = new Proxy(store, {
      get: (target, prop) => (prop === 'close' ? async () => {} : (Reflect.get(target, prop) as unknown)),
    }) as Store;
    // Each server closes "its" bus on stop; the shared one is closed once, below.
    const bus = new Proxy(pubsub, { get: (target, prop) => (prop === 'close' ? async () => {} : (Reflect.get(target, prop) as unknown)) });
    nodes.push(
      await startTestLoupe({
        dataDir,
        store: options.wrapStore ? options.wrapStore(shared, i) : shared,
        pubsub: bus,
        env: options.env,
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
        rmSync(dataDir, { recursive: true, force: true });
      })()),
  };
}

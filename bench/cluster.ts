// The servers of the multi-process scenarios (issue 12), each a set of real processes:
//  - Loupe on SQLite, one process (the embedded default);
//  - Loupe on PostgreSQL, one process (no Redis: in-process fan-out);
//  - Loupe on PostgreSQL + Redis, N processes (a fresh database and Redis prefix per run, one AUTH_SECRET);
//  - Hocuspocus 4.7.0 with its Redis extension, N processes, storing on its debounce into PostgreSQL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from '../test/helpers/services';
import { startLoupe, stopChild, waitForLine, READER_TOKEN, WRITER_TOKEN, type BenchServer } from './servers';
import type { Endpoint, Wire } from './protocol';

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? TEST_REDIS_URL;
const HOCUSPOCUS_DIR = 'bench/peers/hocuspocus';

export interface Instance {
  pid: number;
  /** y-websocket: rooms are `${wsBase}/${doc}`; Hocuspocus: any path, the document is named in each frame. */
  wsBase: string;
}

export interface TargetSpec {
  server: 'loupe' | 'hocuspocus';
  storage: 'sqlite' | 'postgres';
  /** Redis between the processes (Hocuspocus always runs its Redis extension). */
  redis: boolean;
  instances: number;
}

export interface ClusterTarget {
  spec: TargetSpec;
  /** As shown in the tables: `loupe sqlite ×1`, `loupe pg ×1`, `loupe pg+redis ×3`, `hocuspocus redis ×3`. */
  label: string;
  /** What an update has been through when readers get it. */
  durability: string;
  wire: Wire;
  instances: Instance[];
  newDoc(): Promise<string>;
  writer(doc: string, instance: number): Endpoint;
  reader(doc: string, instance: number): Endpoint;
  stop(): Promise<void>;
}

export function labelOf(spec: TargetSpec): string {
  if (spec.server === 'hocuspocus') return `hocuspocus redis ×${spec.instances}`;
  return `loupe ${spec.storage === 'sqlite' ? 'sqlite' : spec.redis ? 'pg+redis' : 'pg'} ×${spec.instances}`;
}

/** For `--targets=`: loupe-sqlite, loupe-pg, loupe-cluster, hocuspocus. */
export function kindOf(spec: TargetSpec): string {
  if (spec.server === 'hocuspocus') return 'hocuspocus';
  return spec.storage === 'sqlite' ? 'loupe-sqlite' : spec.redis ? 'loupe-cluster' : 'loupe-pg';
}

/**
 * The targets for `--instances=1,2,3`: at 1, Loupe on SQLite and on PostgreSQL (each one process) and
 * Hocuspocus (one process, its Redis extension on); at N > 1, Loupe on PostgreSQL + Redis and Hocuspocus.
 */
export function targetSpecs(instanceCounts: number[], servers: string[]): TargetSpec[] {
  const specs: TargetSpec[] = [];
  for (const instances of instanceCounts) {
    if (servers.includes('loupe')) {
      if (instances === 1) {
        specs.push({ server: 'loupe', storage: 'sqlite', redis: false, instances: 1 });
        specs.push({ server: 'loupe', storage: 'postgres', redis: false, instances: 1 });
      } else {
        specs.push({ server: 'loupe', storage: 'postgres', redis: true, instances });
      }
    }
    if (servers.includes('hocuspocus')) specs.push({ server: 'hocuspocus', storage: 'postgres', redis: true, instances });
  }
  return specs;
}

export async function startTarget(spec: TargetSpec): Promise<ClusterTarget> {
  return spec.server === 'loupe' ? startLoupeTarget(spec) : startHocuspocusTarget(spec);
}

/** A Redis key prefix of this run's own; its keys are deleted at the end. */
function benchRedisPrefix(kind: string): string {
  return `${kind}-bench:${randomBytes(6).toString('hex')}:`;
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function startLoupeTarget(spec: TargetSpec): Promise<ClusterTarget> {
  const label = labelOf(spec);
  let database: TestDatabase | null = null;
  const prefix = benchRedisPrefix('loupe');
  const servers: BenchServer[] = [];
  try {
    const env: Record<string, string> = {};
    if (spec.storage === 'postgres') {
      database = await createTestDatabase('loupe_bench');
      env.DATABASE_URL = database.url;
      env.AUTH_SECRET = randomBytes(32).toString('base64url');
      if (spec.redis) {
        env.REDIS_URL = REDIS_URL;
        env.REDIS_PREFIX = prefix;
      }
    }
    // One after another: the first makes the organization, the admin and the reader's token.
    for (let i = 0; i < spec.instances; i++) servers.push(await startLoupe(env));
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.drop();
    throw error;
  }
  return {
    spec,
    label,
    durability: spec.storage === 'sqlite' ? 'SQLite commit (fsync) before relay' : 'PostgreSQL commit before relay',
    wire: 'y-websocket',
    instances: servers.map((s) => ({ pid: s.pid, wsBase: s.wsBase })),
    newDoc: () => servers[0].newRoom(),
    writer: (doc, i) => ({ url: `${servers[i].wsBase}/${doc}?token=${WRITER_TOKEN}`, wire: 'y-websocket', doc }),
    reader: (doc, i) => ({ url: `${servers[i].wsBase}/${doc}?token=${READER_TOKEN}`, wire: 'y-websocket', doc }),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await database?.drop();
      if (spec.redis) await deleteRedisKeys(prefix);
    },
  };
}

/** Installs the Hocuspocus peer into its own folder the first time (engine checks off: 4.x declares Node 22). */
export function ensureHocuspocusInstalled(): void {
  if (existsSync(`${HOCUSPOCUS_DIR}/node_modules/@hocuspocus/extension-redis/package.json`)) return;
  process.stdout.write(`installing the Hocuspocus peer into ${HOCUSPOCUS_DIR} …\n`);
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--engine-strict=false'], { cwd: HOCUSPOCUS_DIR, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm install in ${HOCUSPOCUS_DIR} failed (${result.status})`);
}

async function startHocuspocusTarget(spec: TargetSpec): Promise<ClusterTarget> {
  ensureHocuspocusInstalled();
  const database = await createTestDatabase('hocuspocus_bench');
  const prefix = benchRedisPrefix('hocuspocus');
  const children: ReturnType<typeof spawn>[] = [];
  const instances: Instance[] = [];
  try {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('CREATE TABLE hocuspocus_documents (name TEXT PRIMARY KEY, data BYTEA NOT NULL)');
    await client.end();
    for (let i = 0; i < spec.instances; i++) {
      const child = spawn(process.execPath, ['server.mjs'], {
        cwd: HOCUSPOCUS_DIR,
        env: { ...process.env, PORT: '0', REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: database.url },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      const port = (await waitForLine(child, /READY (\d+)/))[1];
      instances.push({ pid: child.pid!, wsBase: `ws://127.0.0.1:${port}` });
    }
  } catch (error) {
    await Promise.all(children.map(stopChild));
    await database.drop();
    throw error;
  }
  let docs = 0;
  const endpoint = (doc: string, i: number): Endpoint => ({ url: instances[i].wsBase, wire: 'hocuspocus', doc });
  return {
    spec,
    label: labelOf(spec),
    durability: 'none before relay (whole document stored on a 2 s debounce, at most 10 s)',
    wire: 'hocuspocus',
    instances,
    newDoc: async () => `bench-${++docs}`,
    writer: endpoint,
    reader: endpoint,
    stop: async () => {
      await Promise.all(children.map(stopChild));
      await database.drop();
      await deleteRedisKeys(prefix);
    },
  };
}

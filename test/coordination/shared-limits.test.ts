import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { CloseCode } from '../../lib/protocol/close-codes';
import { silentLogger } from '../../server/log';
import { RedisRateLimiter } from '../../server/limits/redis-rate-limiter';
import { RedisSocketSlots, type Slot } from '../../server/limits/socket-slots';
import { closeCoordinationRedis, connectCoordinationRedis } from '../../server/limits/redis-connection';
import { TEST_REDIS_URL, testRedisPrefix } from '../helpers/services';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server';
import { startInProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster';

/**
 * Rate limits and the socket cap hold across instances through Redis, and
 * fall back to each process when Redis is gone or has lost its data: never
 * a crash, never a request held on Redis.
 */

const rule = { capacity: 5, perMinute: 1 };

async function whenReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Counts the takes that succeeded. */
async function granted(takes: Array<Promise<{ ok: boolean }>>): Promise<number> {
  return (await Promise.all(takes)).filter((decision) => decision.ok).length;
}

describe('RedisRateLimiter on the machine’s Redis', () => {
  const prefix = testRedisPrefix();
  let one: Redis;
  let two: Redis;

  beforeAll(async () => {
    one = connectCoordinationRedis(TEST_REDIS_URL, silentLogger);
    two = connectCoordinationRedis(TEST_REDIS_URL, silentLogger);
    await Promise.all([whenReady(one), whenReady(two)]);
  });
  afterAll(async () => {
    await deleteKeys(TEST_REDIS_URL, prefix);
    await closeCoordinationRedis(one);
    await closeCoordinationRedis(two);
  });

  it('shares one bucket between instances: 40 parallel takes through two connections get exactly the capacity', async () => {
    const a = new RedisRateLimiter(one, `${prefix}rl:a:`, rule, silentLogger);
    const b = new RedisRateLimiter(two, `${prefix}rl:a:`, rule, silentLogger);
    const takes = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).take('ip:1'));
    expect(await granted(takes)).toBe(rule.capacity);
    const refused = await a.take('ip:1');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.retryAfterMs).toBeGreaterThan(0);
    // Another key has its own bucket.
    expect((await b.take('ip:2')).ok).toBe(true);
  });

  it('gives a refund back to the shared bucket (take, then refund), and peek never takes', async () => {
    const a = new RedisRateLimiter(one, `${prefix}rl:b:`, rule, silentLogger);
    const b = new RedisRateLimiter(two, `${prefix}rl:b:`, rule, silentLogger);
    expect(await granted(Array.from({ length: rule.capacity }, () => a.take('k')))).toBe(rule.capacity);
    expect((await b.peek('k')).ok).toBe(false);
    await a.refund('k');
    expect((await b.peek('k')).ok).toBe(true);
    expect((await b.peek('k')).ok).toBe(true);
    expect((await b.take('k')).ok).toBe(true);
    expect((await a.take('k')).ok).toBe(false);
    // A refund never lifts a bucket above its capacity, and a refund of a bucket Redis forgot is nothing.
    for (let i = 0; i < 10; i++) await a.refund('never-taken');
    expect(await granted(Array.from({ length: 10 }, () => b.take('never-taken')))).toBe(rule.capacity);
  });

  it('keeps no key forever (each expires once it would be full again), and a Redis that lost its data means full buckets', async () => {
    const a = new RedisRateLimiter(one, `${prefix}rl:c:`, rule, silentLogger);
    expect(await granted(Array.from({ length: 8 }, () => a.take('lost')))).toBe(rule.capacity);
    const ttl = await one.pttl(`${prefix}rl:c:lost`);
    expect(ttl).toBeGreaterThan(0);
    await deleteKeys(TEST_REDIS_URL, `${prefix}rl:c:`);
    expect(await granted(Array.from({ length: 8 }, () => a.take('lost')))).toBe(rule.capacity);
  });
});

describe('when Redis goes away (a redis-server of the test’s own, killed and restarted)', () => {
  let own: OwnRedis;
  let redis: Redis;

  beforeAll(async () => {
    own = await startOwnRedis();
    redis = connectCoordinationRedis(own.url, silentLogger);
    await whenReady(redis);
  });
  afterAll(async () => {
    await closeCoordinationRedis(redis);
    await own.stop();
  });

  it('falls back to an in-process bucket with the same rule, answers at once, and returns to Redis when it is back', async () => {
    const prefix = testRedisPrefix();
    const limiter = new RedisRateLimiter(redis, `${prefix}rl:`, rule, silentLogger);
    const other = new RedisRateLimiter(redis, `${prefix}rl:`, rule, silentLogger);
    expect(await granted(Array.from({ length: 8 }, () => limiter.take('k')))).toBe(rule.capacity);
    // Shared: the other limiter (another instance's view) finds the bucket empty.
    expect((await other.take('k')).ok).toBe(false);

    await own.kill();
    await expect.poll(() => redis.status).not.toBe('ready');
    // Every call answers (from the insurance bucket); the limit still holds in this process.
    expect(await granted(Array.from({ length: 8 }, () => limiter.take('k')))).toBe(rule.capacity);
    expect((await limiter.peek('k')).ok).toBe(false);
    await limiter.refund('k');
    expect((await limiter.take('k')).ok).toBe(true);

    // Back, and empty (it kept nothing): the shared bucket is full again and used, not the drained insurance.
    await own.start();
    await expect.poll(async () => (await limiter.take('k')).ok, { timeout: 10_000 }).toBe(true);
    expect(redis.status).toBe('ready');
  });

  it('counts socket slots per process while Redis is gone, and lets them go cleanly', async () => {
    const prefix = testRedisPrefix();
    if (redis.status !== 'ready') await whenReady(redis);
    const slots = new RedisSocketSlots(redis, prefix, 2, silentLogger);
    const held: Slot[] = [];
    try {
      held.push((await slots.hold('user:x'))!);
      await own.kill();
      await expect.poll(() => redis.status).not.toBe('ready');
      held.push((await slots.hold('user:x'))!);
      expect(held.every(Boolean)).toBe(true);
      expect(await slots.hold('user:x')).toBeNull();
      held.pop()!.letGo();
      const again = await slots.hold('user:x');
      expect(again).not.toBeNull();
      held.push(again!);
    } finally {
      for (const slot of held) slot.letGo();
      await slots.close();
      await own.start();
      await whenReady(redis);
    }
  });
});

describe('RedisSocketSlots: one cap across instances', () => {
  const prefix = testRedisPrefix();
  let connections: Redis[] = [];

  beforeAll(async () => {
    connections = [0, 1, 2].map(() => connectCoordinationRedis(TEST_REDIS_URL, silentLogger));
    await Promise.all(connections.map(whenReady));
  });
  afterAll(async () => {
    await deleteKeys(TEST_REDIS_URL, prefix);
    for (const connection of connections) await closeCoordinationRedis(connection);
  });

  it('refuses the slot past the cap whichever instance asks, and frees it when let go', async () => {
    const [a, b] = connections.map((c) => new RedisSocketSlots(c, prefix, 3, silentLogger));
    const held = [await a.hold('user:1'), await a.hold('user:1'), await b.hold('user:1')];
    expect(held.every(Boolean)).toBe(true);
    expect(await a.hold('user:1')).toBeNull();
    expect(await b.hold('user:1')).toBeNull();
    expect(await b.hold('user:2')).not.toBeNull();
    held[0]!.letGo();
    held[0]!.letGo(); // Twice is once.
    const again = await b.hold('user:1');
    expect(again).not.toBeNull();
    expect(await a.hold('user:1')).toBeNull();
    await a.close();
    await b.close();
  });

  it('frees the slots of an instance that died (stopped renewing) once they lapse', async () => {
    const timing = { ttlMs: 800, renewMs: 200 };
    const [dead, alive] = [connections[1], connections[2]].map((c) => new RedisSocketSlots(c, prefix, 2, silentLogger, timing));
    expect(await dead.hold('user:3')).not.toBeNull();
    expect(await dead.hold('user:3')).not.toBeNull();
    const survivor = await alive.hold('user:3');
    expect(survivor).toBeNull();
    // The live instance's own slots are renewed: they stay while the dead one's lapse.
    const mine = await alive.hold('user:4');
    await dead.close(); // Like a SIGKILL: no let-go, no more renewals.
    await expect.poll(async () => {
      const slot = await alive.hold('user:3');
      slot?.letGo();
      return slot !== null;
    }, { timeout: 5_000 }).toBe(true);
    expect(mine).not.toBeNull();
    const members = await connections[0].zrange(`${prefix}sockets:user:4`, 0, -1);
    expect(members).toHaveLength(1);
    await alive.close();
  });
});

describe('two Loupe servers on one Redis', () => {
  let cluster: InProcessCluster;
  const prefix = testRedisPrefix();

  beforeAll(async () => {
    cluster = await startInProcessCluster(2, {
      redis: { url: TEST_REDIS_URL, prefix },
      env: { RATE_LIMIT_TOKEN_PER_MIN: '1', MAX_SOCKETS_PER_PRINCIPAL: '2' },
    });
  });
  afterAll(async () => {
    await cluster?.stop();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  it('share an agent token’s request budget: its capacity in all, whichever instance answers', async () => {
    const [a, b] = cluster.nodes;
    const token = await a.makeToken({ role: 'member', scopes: [] });
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) statuses.push((await (i % 2 === 0 ? a : b).api('/api/v1/me', { token })).status);
    // RATE_LIMIT_TOKEN_PER_MIN=1 gives the minimum burst of 10 and next to no refill.
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
  });

  it('hold one person to MAX_SOCKETS_PER_PRINCIPAL across both', async () => {
    const [a, b] = cluster.nodes;
    const id = await a.createArtifact('<p>cap</p>');
    const viewer = await a.makeToken({ role: 'viewer', scopes: [] });
    const open = (url: string) =>
      new Promise<{ ws: WebSocket; outcome: 'open' | number }>((resolve) => {
        const ws = new WebSocket(`${url}/${id}?token=${viewer}`);
        ws.on('error', () => {});
        ws.once('message', () => resolve({ ws, outcome: 'open' }));
        ws.once('open', () => ws.send(new Uint8Array([0, 0, 1, 0])));
        ws.once('close', (code) => resolve({ ws, outcome: code }));
      });
    const first = await open(a.wsUrl);
    const second = await open(b.wsUrl);
    expect([first.outcome, second.outcome]).toEqual(['open', 'open']);
    expect((await open(a.wsUrl)).outcome).toBe(CloseCode.TOO_MANY_SOCKETS);
    expect((await open(b.wsUrl)).outcome).toBe(CloseCode.TOO_MANY_SOCKETS);
    first.ws.close();
    await expect.poll(async () => {
      const retry = await open(b.wsUrl);
      retry.ws.close();
      return retry.outcome;
    }).toBe('open');
    second.ws.close();
  });
});

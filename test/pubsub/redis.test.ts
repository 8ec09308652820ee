import { afterEach, describe, expect, it } from 'vitest';
import { Redis, type RedisOptions } from 'ioredis';
import { busKeyOf, encodeBusMessage, MAX_BUS_MESSAGE_AGE_MS, RedisPubSub } from '../../server/pubsub/redis';
import type { PubSubMessage } from '../../server/pubsub/types';
import { silentLogger } from '../../server/log';
import { TEST_REDIS_URL, testRedisPrefix } from '../helpers/services';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server';

const SECRET = 's'.repeat(40);
const OLD_SECRET = 'o'.repeat(40);
const OTHER_SECRET = 'x'.repeat(40);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function openBus(options: { prefix: string; secrets?: string[]; url?: string; redisOptions?: RedisOptions }): RedisPubSub {
  const bus = new RedisPubSub({
    url: options.url ?? TEST_REDIS_URL,
    prefix: options.prefix,
    secrets: options.secrets ?? [SECRET],
    logger: silentLogger,
    redisOptions: { retryStrategy: () => 50, ...options.redisOptions },
  });
  cleanups.push(() => bus.close());
  return bus;
}

function rawClient(url = TEST_REDIS_URL): Redis {
  const client = new Redis(url);
  cleanups.push(async () => client.disconnect());
  return client;
}

function collect(bus: RedisPubSub, channel: string): PubSubMessage[] {
  const received: PubSubMessage[] = [];
  bus.subscribe(channel, (message) => received.push(message));
  return received;
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

describe('RedisPubSub', () => {
  it('carries signed messages between buses of one prefix, and nowhere else', async () => {
    const prefix = testRedisPrefix();
    const a = openBus({ prefix });
    const b = openBus({ prefix });
    const elsewhere = openBus({ prefix: testRedisPrefix() });
    expect(await a.connected(5_000)).toBe(true);
    const atB = collect(b, 'room:one');
    const atElsewhere = collect(elsewhere, 'room:one');
    await Promise.all([b.whenSubscribed('room:one'), elsewhere.whenSubscribed('room:one'), b.connected(5_000)]);
    a.publish('room:one', { nodeId: 'a', kind: 'update', payload: Buffer.from('hello'), firstSeq: 3, lastSeq: 4 });
    await expect.poll(() => atB.length).toBe(1);
    expect(atB[0]).toMatchObject({ nodeId: 'a', kind: 'update', firstSeq: 3, lastSeq: 4 });
    expect(text(atB[0].payload)).toBe('hello');
    // The same prefix's last message arrived; the other prefix heard nothing of it.
    a.publish('room:two', { nodeId: 'a', kind: 'awareness', payload: new Uint8Array() });
    expect(atElsewhere).toEqual([]);
    expect(b.stats.delivered).toBe(1);
  });

  it('drops and counts what is not signed with the ring, replayed onto another channel, or too old, before any handler sees it', async () => {
    const prefix = testRedisPrefix();
    const bus = openBus({ prefix });
    expect(await bus.connected(5_000)).toBe(true);
    const received = collect(bus, 'room:doc');
    await bus.whenSubscribed('room:doc');
    const raw = rawClient();
    const message: PubSubMessage = { nodeId: 'evil', kind: 'update', payload: Buffer.from('<script>'), firstSeq: 1, lastSeq: 1 };
    const now = Date.now();
    await raw.publish(prefix + 'room:doc', Buffer.from('not a bus message at all'));
    await raw.publish(prefix + 'room:doc', Buffer.alloc(0));
    await raw.publish(prefix + 'room:doc', encodeBusMessage(busKeyOf(OTHER_SECRET), 'room:doc', message, now));
    // Properly signed, for another channel: a replay of it here must not verify.
    await raw.publish(prefix + 'room:doc', encodeBusMessage(busKeyOf(SECRET), 'room:other', message, now));
    // A flipped bit after the signature.
    const tampered = encodeBusMessage(busKeyOf(SECRET), 'room:doc', message, now);
    tampered[tampered.length - 1] ^= 1;
    await raw.publish(prefix + 'room:doc', tampered);
    // Signed right, but from long ago (a replay).
    await raw.publish(prefix + 'room:doc', encodeBusMessage(busKeyOf(SECRET), 'room:doc', message, now - MAX_BUS_MESSAGE_AGE_MS - 60_000));
    // Then a genuine one: once it is in, everything before it was judged.
    await raw.publish(prefix + 'room:doc', encodeBusMessage(busKeyOf(SECRET), 'room:doc', { ...message, nodeId: 'good', payload: Buffer.from('ok') }, now));
    await expect.poll(() => received.length).toBe(1);
    expect(received[0].nodeId).toBe('good');
    expect(text(received[0].payload)).toBe('ok');
    expect(bus.stats.forged).toBe(5);
    expect(bus.stats.malformed).toBe(1);
  });

  it('verifies with every key of the ring and signs with the first', async () => {
    const prefix = testRedisPrefix();
    const rotated = openBus({ prefix, secrets: [SECRET, OLD_SECRET] });
    const old = openBus({ prefix, secrets: [OLD_SECRET] });
    await Promise.all([rotated.connected(5_000), old.connected(5_000)]);
    const atRotated = collect(rotated, 'c');
    const atOld = collect(old, 'c');
    await Promise.all([rotated.whenSubscribed('c'), old.whenSubscribed('c')]);
    old.publish('c', { nodeId: 'old', kind: 'signal', payload: new Uint8Array() });
    await expect.poll(() => atRotated.map((m) => m.nodeId)).toEqual(['old']);
    rotated.publish('c', { nodeId: 'new', kind: 'signal', payload: new Uint8Array() });
    old.publish('c', { nodeId: 'old-again', kind: 'signal', payload: new Uint8Array() });
    // A bus hears its own messages too (rooms skip their own node id).
    await expect.poll(() => atRotated.map((m) => m.nodeId)).toEqual(['old', 'new', 'old-again']);
    // The old-key-only process cannot verify the new key's message: dropped, counted.
    await expect.poll(() => old.stats.forged).toBe(1);
    expect(atOld.map((m) => m.nodeId)).toEqual(['old', 'old-again']);
  });

  it('subscribes again and calls onResync after Redis restarts', async () => {
    const own: OwnRedis = await startOwnRedis();
    cleanups.push(() => own.stop());
    const prefix = testRedisPrefix();
    const writer = openBus({ prefix, url: own.url });
    const reader = openBus({ prefix, url: own.url });
    await Promise.all([writer.connected(5_000), reader.connected(5_000)]);
    let resyncs = 0;
    reader.onResync(() => resyncs++);
    const received = collect(reader, 'room:doc');
    await reader.whenSubscribed('room:doc');
    writer.publish('room:doc', { nodeId: 'w', kind: 'update', payload: Buffer.from('one'), firstSeq: 1, lastSeq: 1 });
    await expect.poll(() => received.length).toBe(1);

    await own.kill();
    await expect.poll(() => writer.connected(0)).toBe(false);
    // Lost while Redis is away: not queued in memory (the reader resyncs from storage).
    writer.publish('room:doc', { nodeId: 'w', kind: 'update', payload: Buffer.from('two'), firstSeq: 2, lastSeq: 2 });
    expect(writer.stats.publishFailed).toBe(1);
    // A subscription made while Redis is away does not hold its caller up.
    const late = collect(reader, 'room:late');
    await reader.whenSubscribed('room:late');
    await own.start();

    await expect.poll(() => resyncs, { timeout: 10_000 }).toBe(1);
    // Both channels are subscribed again by the time onResync runs.
    writer.publish('room:late', { nodeId: 'w', kind: 'signal', payload: new Uint8Array() });
    await expect.poll(() => late.length, { timeout: 10_000 }).toBe(1);
    writer.publish('room:doc', { nodeId: 'w', kind: 'update', payload: Buffer.from('three'), firstSeq: 3, lastSeq: 3 });
    await expect.poll(() => received.filter((m) => m.payload.byteLength > 0).map((m) => text(m.payload))).toEqual(['one', 'three']);
  });

  it('tells the update news it could not publish once its own connection is back (readers that stayed connected see the gap)', async () => {
    // Its own Redis: the test kills connections by name, which must not touch other runs' buses.
    const own = await startOwnRedis();
    cleanups.push(() => own.stop());
    const prefix = testRedisPrefix();
    let retryMs = 50;
    const writer = new RedisPubSub({ url: own.url, prefix, secrets: [SECRET], logger: silentLogger, redisOptions: { retryStrategy: () => retryMs } });
    cleanups.push(() => writer.close());
    const reader = openBus({ prefix, url: own.url });
    await Promise.all([writer.connected(5_000), reader.connected(5_000)]);
    const received = collect(reader, 'room:doc');
    await reader.whenSubscribed('room:doc');
    // Only the writer's publishing connection drops (and stays away long enough to publish into the gap).
    retryMs = 1_000;
    const admin = rawClient(own.url);
    const clients = String(await admin.client('LIST')).split('\n');
    const publisherIds = clients.filter((line) => line.includes('name=loupe-pub')).map((line) => /id=(\d+)/.exec(line)![1]);
    for (const id of publisherIds) await admin.client('KILL', 'ID', id);
    await expect.poll(() => writer.connected(0)).toBe(false);
    writer.publish('room:doc', { nodeId: 'w', kind: 'update', payload: Buffer.from('lost'), firstSeq: 7, lastSeq: 8 });
    writer.publish('room:doc', { nodeId: 'w', kind: 'update', payload: Buffer.from('lost too'), firstSeq: 9, lastSeq: 9 });
    expect(writer.stats.publishFailed).toBe(2);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    // News only: "stored up to 9"; the bytes are for storage to give.
    expect(received[0]).toMatchObject({ nodeId: 'w', kind: 'update', firstSeq: 9, lastSeq: 9 });
    expect(received[0].payload.byteLength).toBe(0);
  });

  it('works with a password (Redis AUTH in the URL)', async () => {
    const own = await startOwnRedis();
    cleanups.push(() => own.stop());
    const admin = rawClient(own.url);
    await admin.config('SET', 'requirepass', 'bus-password-123');
    const prefix = testRedisPrefix();
    const url = `redis://:bus-password-123@127.0.0.1:${own.port}`;
    const a = openBus({ prefix, url });
    const b = openBus({ prefix, url });
    expect(await a.connected(5_000)).toBe(true);
    expect(await b.connected(5_000)).toBe(true);
    const received = collect(b, 'c');
    await b.whenSubscribed('c');
    a.publish('c', { nodeId: 'a', kind: 'signal', payload: new Uint8Array() });
    await expect.poll(() => received.length).toBe(1);
    // Without the password nothing connects.
    const refused = openBus({ prefix, url: own.url });
    expect(await refused.connected(300)).toBe(false);
  });

  it('works over TLS (rediss://)', async () => {
    const own = await startOwnRedis({ tls: true });
    cleanups.push(() => own.stop());
    expect(own.url.startsWith('rediss://')).toBe(true);
    const prefix = testRedisPrefix();
    const a = openBus({ prefix, url: own.url, redisOptions: own.clientOptions });
    const b = openBus({ prefix, url: own.url, redisOptions: own.clientOptions });
    expect(await a.connected(5_000)).toBe(true);
    expect(await b.connected(5_000)).toBe(true);
    const received = collect(b, 'c');
    await b.whenSubscribed('c');
    a.publish('c', { nodeId: 'a', kind: 'signal', payload: Buffer.from('over tls') });
    await expect.poll(() => received.map((m) => text(m.payload))).toEqual(['over tls']);
  });
});

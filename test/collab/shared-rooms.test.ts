// Several Loupe servers on one database (SQLite shared in process, and PostgreSQL), each with its own Redis bus: rooms stay correct across processes
// (gaps and Redis restarts healed from storage, read-your-writes, ETags, compaction). Servers share this
// test process; real multi-process runs are test/cluster's.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { Redis } from 'ioredis';
import { SqliteStore } from '../../lib/store/sqlite';
import { PostgresStore } from '../../lib/store/postgres';
import type { Store } from '../../lib/store/types';
import { docNameFor } from '../../lib/protocol/ids';
import { busKeyOf, encodeBusMessage, RedisPubSub } from '../../server/pubsub/redis';
import type { PubSub, PubSubMessage } from '../../server/pubsub/types';
import type { Room } from '../../server/collab/room';
import { silentLogger } from '../../server/log';
import { connectClient, startTestLoupe, whenSynced, type TestLoupe } from '../helpers/loupe';
import { createTestDatabase, TEST_REDIS_URL, testRedisPrefix } from '../helpers/services';
import { startOwnRedis } from '../helpers/redis-server';

const SECRET = 'shared-rooms-secret-'.padEnd(48, 'k');

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A bus whose room updates can be lost on purpose (as Redis pub/sub may lose them), delegating to a real RedisPubSub. */
class LossyBus implements PubSub {
  readonly fansOut = true;
  dropUpdates = false;
  dropped = 0;
  constructor(readonly inner: RedisPubSub) {}
  publish(channel: string, message: PubSubMessage): void {
    this.inner.publish(channel, message);
  }
  subscribe(channel: string, handler: (message: PubSubMessage) => void): () => void {
    return this.inner.subscribe(channel, (message) => {
      if (this.dropUpdates && message.kind === 'update') {
        this.dropped++;
        return;
      }
      handler(message);
    });
  }
  whenSubscribed(channel: string): Promise<void> {
    return this.inner.whenSubscribed(channel);
  }
  onResync(handler: () => void): () => void {
    return this.inner.onResync(handler);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

interface Cluster {
  servers: TestLoupe[];
  buses: LossyBus[];
  store: Store;
  prefix: string;
}

type Backend = 'sqlite' | 'postgres';

/**
 * `count` servers on one database (the first makes the org and admin), each with its own bus on `redisUrl`
 * under one prefix. PostgreSQL: each server has a store handle (a pool) of its own, as separate processes
 * would; SQLite: one handle, shared (its seqs are not contiguous per document: gaps then only cost reads).
 */
async function startCluster(backend: Backend, count: number, redisUrl = TEST_REDIS_URL): Promise<Cluster> {
  const prefix = testRedisPrefix();
  const servers: TestLoupe[] = [];
  const buses: LossyBus[] = [];
  let storeFor: () => Store;
  let store: Store;
  let closeStorage: () => Promise<unknown>;
  if (backend === 'postgres') {
    const db = await createTestDatabase('shared_rooms');
    store = new PostgresStore(db.url);
    storeFor = () => new PostgresStore(db.url);
    closeStorage = async () => {
      await store.close();
      await db.drop();
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-shared-'));
    const sqlite = new SqliteStore(join(dir, 'loupe.db'));
    store = sqlite;
    // Each server closes its store on stop; the one they share is closed once, after all of them.
    const handle = new Proxy(sqlite, {
      get(target, key) {
        if (key === 'close') return async () => {};
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    storeFor = () => handle;
    closeStorage = async () => {
      await sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  cleanups.push(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await closeStorage();
  });
  for (let i = 0; i < count; i++) {
    const bus = new LossyBus(new RedisPubSub({ url: redisUrl, prefix, secrets: [SECRET], logger: silentLogger, redisOptions: { retryStrategy: () => 50 } }));
    await bus.inner.connected(5_000);
    buses.push(bus);
    servers.push(await startTestLoupe({ store: storeFor(), pubsub: bus, idleUnloadMs: 60_000, env: { AUTH_SECRET: SECRET } }));
  }
  return { servers, buses, store, prefix };
}

const contentName = (id: string) => ({ artifactId: id, kind: 'content' as const, docName: docNameFor(id, 'content') });

async function getContent(server: TestLoupe, id: string): Promise<{ html: string; etag: string | null }> {
  const res = await server.api(`/api/v1/artifacts/${id}/content`);
  expect(res.status).toBe(200);
  return { html: await res.text(), etag: res.headers.get('etag') };
}

async function putContent(server: TestLoupe, id: string, html: string, ifMatch?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'text/html' };
  if (ifMatch) headers['if-match'] = ifMatch;
  return server.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', headers, body: html });
}

/** The room a server holds for the page (loading it if needed), kept loaded by the cluster's long idle time. */
async function roomOf(server: TestLoupe, id: string): Promise<Room> {
  return server.server.services.registry.withRoom(contentName(id), async (room) => room);
}

const textOf = (room: Room) => room.doc.getText('html').toString();

/** What storage holds for the document, built into a fresh doc. */
async function storedText(store: Store, docName: string): Promise<string> {
  const stored = await store.loadDoc(docName);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  const text = doc.getText('html').toString();
  doc.destroy();
  return text;
}

describe.each<Backend>(['sqlite', 'postgres'])('rooms shared by several servers over Redis (%s)', (backend) => {
  it('consecutive PUTs on different servers end with exactly the last page everywhere, live readers included', async () => {
    const { servers, buses } = await startCluster(backend, 3);
    const [a, b, c] = servers;
    const id = await a.createArtifact('<p>v0</p>');
    // Every server holds a copy before the writes (the stale copies a PUT must not diff against).
    for (const server of servers) expect((await getContent(server, id)).html).toBe('<p>v0</p>');
    const reader = connectClient(c, id);
    cleanups.push(async () => reader.destroy());
    await whenSynced(reader);

    const pages = ['<h1>One</h1><p>first push</p>', '<h1>Two</h1><p>second push</p><p>more</p>', '<p>third</p>', '<h1>Four</h1>'];
    const pageOf = (i: number) => pages[i % pages.length] + `<p>round ${i}</p>`;
    // The bus loses every update: each push lands on a server whose copy is stale, and only storage can make it right.
    for (const bus of buses) bus.dropUpdates = true;
    for (let i = 0; i < 6; i++) expect((await putContent(servers[i % 3], id, pageOf(i))).status).toBe(200);
    for (const server of servers) expect((await getContent(server, id)).html).toBe(pageOf(5));
    for (const bus of buses) bus.dropUpdates = false;
    for (let i = 6; i < 12; i++) {
      expect((await putContent(servers[i % 3], id, pageOf(i))).status).toBe(200);
      // Read your writes on every instance, at once.
      for (const server of servers) expect((await getContent(server, id)).html).toBe(pageOf(i));
    }
    const last = pages[11 % pages.length] + '<p>round 11</p>';
    await expect.poll(() => reader.text.toString()).toBe(last);
    for (const server of servers) await expect.poll(async () => textOf(await roomOf(server, id))).toBe(last);
    expect((await getContent(b, id)).html).toBe(last);
  });

  it('takes an ETag from one server as If-Match on another, and refuses a stale one there', async () => {
    const { servers, buses } = await startCluster(backend, 2);
    const [a, b] = servers;
    const id = await a.createArtifact('<p>start</p>');
    const seenOnB = await getContent(b, id);
    // No news over the bus at all: B learns of A's write only from storage.
    for (const bus of buses) bus.dropUpdates = true;
    const first = await putContent(a, id, '<p>from A</p>');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    // B answers with the same ETag for the same page.
    expect((await getContent(b, id)).etag).toBe(etag);
    const second = await putContent(b, id, '<p>from B</p>', etag);
    expect(second.status).toBe(200);
    const newer = second.headers.get('etag')!;
    expect(newer).not.toBe(etag);
    // B's ETag from before A's write is stale on either server.
    expect((await putContent(a, id, '<p>lost update</p>', seenOnB.etag!)).status).toBe(412);
    expect((await putContent(b, id, '<p>lost update</p>', etag)).status).toBe(412);
    expect((await putContent(a, id, '<p>from A again</p>', newer)).status).toBe(200);
    for (const server of servers) expect((await getContent(server, id)).html).toBe('<p>from A again</p>');
  });

  it('heals updates the bus lost from storage, with or without a later message', async () => {
    const { servers, buses } = await startCluster(backend, 2);
    const [a, b] = servers;
    const id = await a.createArtifact('<p>start</p>');
    const roomA = await roomOf(a, id);
    const roomB = await roomOf(b, id);
    const reader = connectClient(b, id);
    cleanups.push(async () => reader.destroy());
    await whenSynced(reader);
    const append = async (room: Room, piece: string) => {
      room.applyLocal((doc) => doc.getText('html').insert(doc.getText('html').length, piece), 'test');
      await room.whenDurable();
    };

    buses[1].dropUpdates = true;
    await append(roomA, '<p>lost on the bus</p>');
    await expect.poll(() => buses[1].dropped).toBeGreaterThan(0);
    buses[1].dropUpdates = false;
    // The next message shows B a gap: B reads the missing range, then applies.
    const catchUpsBefore = roomB.catchUps;
    await append(roomA, '<p>next</p>');
    await expect.poll(() => textOf(roomB)).toBe('<p>start</p><p>lost on the bus</p><p>next</p>');
    expect(roomB.catchUps).toBeGreaterThan(catchUpsBefore);
    await expect.poll(() => reader.text.toString()).toBe('<p>start</p><p>lost on the bus</p><p>next</p>');

    // The last message lost and nothing after it: an HTTP read on B still sees the write.
    buses[1].dropUpdates = true;
    await append(roomA, '<p>last</p>');
    await expect.poll(() => buses[1].dropped).toBeGreaterThan(1);
    buses[1].dropUpdates = false;
    expect((await getContent(b, id)).html).toBe('<p>start</p><p>lost on the bus</p><p>next</p><p>last</p>');
    await expect.poll(() => reader.text.toString()).toBe('<p>start</p><p>lost on the bus</p><p>next</p><p>last</p>');
  });

  it('lets nothing reach a room from a Redis publisher without the key, even well-formed and in sequence', async () => {
    const { servers, buses, prefix } = await startCluster(backend, 2);
    const [a, b] = servers;
    const id = await a.createArtifact('<p>start</p>');
    const roomB = await roomOf(b, id);
    const evil = new Y.Doc();
    Y.applyUpdate(evil, Y.encodeStateAsUpdate(roomB.doc));
    const before = Y.encodeStateVector(evil);
    evil.getText('html').insert(0, '<script>evil()</script>');
    const forgedUpdate = Y.encodeStateAsUpdate(evil, before);
    const message: PubSubMessage = { nodeId: 'intruder', kind: 'update', payload: forgedUpdate, firstSeq: roomB.appliedSeq + 1, lastSeq: roomB.appliedSeq + 1 };
    const raw = new Redis(TEST_REDIS_URL);
    cleanups.push(async () => raw.disconnect());
    const channel = `room:${docNameFor(id, 'content')}`;
    await raw.publish(prefix + channel, encodeBusMessage(busKeyOf('not-the-secret'.padEnd(40, '!')), channel, message, Date.now()));
    // Unsigned: the message as a naive bus would carry it.
    await raw.publish(prefix + channel, Buffer.from(forgedUpdate));
    // A legitimate write after them shows the pipe flowing.
    const res = await putContent(a, id, '<p>start</p><p>legit</p>');
    expect(res.status).toBe(200);
    await expect.poll(() => textOf(roomB)).toBe('<p>start</p><p>legit</p>');
    expect(buses[1].inner.stats.forged).toBe(2);
    expect((await getContent(b, id)).html).toBe('<p>start</p><p>legit</p>');
  });

  it('compacts from storage under concurrent writers on both servers without losing an update', async () => {
    const { servers, store } = await startCluster(backend, 2);
    const [a, b] = servers;
    const id = await a.createArtifact('');
    const rooms = [await roomOf(a, id), await roomOf(b, id)];
    const PER_SERVER = 1_100;
    const write = async (room: Room, tag: string) => {
      for (let i = 0; i < PER_SERVER; i++) {
        room.applyLocal((doc) => doc.getText('html').insert(doc.getText('html').length, `[${tag}${i}]`), 'test');
        // Forced compactions race the threshold-driven ones and the other server's appends.
        if (i % 250 === 125) void room.compact({ force: true });
        if (i % 8 === 0) await room.whenDurable();
      }
      await room.whenDurable();
    };
    await Promise.all([write(rooms[0], 'a'), write(rooms[1], 'b')]);
    await Promise.all(rooms.map((room) => room.upToDate()));
    const expected = await storedText(store, docNameFor(id, 'content'));
    expect(textOf(rooms[0])).toBe(expected);
    expect(textOf(rooms[1])).toBe(expected);
    for (const tag of ['a', 'b']) {
      for (let i = 0; i < PER_SERVER; i++) expect(expected.includes(`[${tag}${i}]`)).toBe(true);
    }
    // The log was folded (a snapshot exists), and a fresh load on either server gives the same page.
    expect((await store.loadDoc(docNameFor(id, 'content'))).snapshot).not.toBeNull();
    expect((await getContent(a, id)).html).toBe(expected);
    expect((await getContent(b, id)).html).toBe(expected);
  });

  it('catches every loaded room up after Redis restarts, with no later message', async () => {
    const own = await startOwnRedis();
    cleanups.push(() => own.stop());
    const { servers, buses } = await startCluster(backend, 2, own.url);
    const [a, b] = servers;
    const id = await a.createArtifact('<p>start</p>');
    const roomA = await roomOf(a, id);
    const roomB = await roomOf(b, id);
    await own.kill();
    await expect.poll(() => buses[0].inner.connected(0)).toBe(false);
    // Durable on A while Redis is away: its news cannot be published.
    roomA.applyLocal((doc) => doc.getText('html').insert(doc.getText('html').length, '<p>while Redis was down</p>'), 'test');
    await roomA.whenDurable();
    expect(textOf(roomB)).toBe('<p>start</p>');
    await own.start();
    await expect.poll(() => textOf(roomB), { timeout: 10_000 }).toBe('<p>start</p><p>while Redis was down</p>');
    expect(buses[1].inner.stats.resyncs).toBeGreaterThan(0);
  });
});

describe('a server configured with REDIS_URL', () => {
  it('fans out over the signed Redis bus: a PUT on one instance reaches a live reader on the other', async () => {
    const db = await createTestDatabase('redis_config');
    const prefix = testRedisPrefix();
    const env = { DATABASE_URL: db.url, AUTH_SECRET: SECRET, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix };
    const servers: TestLoupe[] = [];
    cleanups.push(async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await db.drop();
    });
    for (let i = 0; i < 2; i++) servers.push(await startTestLoupe({ store: new PostgresStore(db.url), env }));
    const [a, b] = servers;
    for (const server of servers) {
      expect(server.server.services.pubsub).toBeInstanceOf(RedisPubSub);
      expect(server.server.services.pubsub.fansOut).toBe(true);
    }
    const id = await a.createArtifact('<p>start</p>');
    const reader = connectClient(b, id);
    cleanups.push(async () => reader.destroy());
    await whenSynced(reader);
    expect((await putContent(a, id, '<p>start</p><p>from A</p>')).status).toBe(200);
    await expect.poll(() => reader.text.toString()).toBe('<p>start</p><p>from A</p>');
    expect((b.server.services.pubsub as RedisPubSub).stats.delivered).toBeGreaterThan(0);
  });
});

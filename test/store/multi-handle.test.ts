import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { PostgresStore } from '../../lib/store/postgres';
import { POSTGRES_MIGRATIONS } from '../../lib/store/postgres-schema';
import type { NewAuditEntry } from '../../lib/store/types';
import { ChainVerifier } from '../../lib/audit/chain';
import { AppError } from '../../lib/errors';
import { bootstrapFirstStart } from '../../server/auth/bootstrap';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { gate, until } from './backends';

/**
 * What the store promises when several processes share one PostgreSQL
 * database: each case opens several PostgresStore handles (each with its own
 * pool, as separate processes have) on one database and races them.
 */
describe('postgres store: several handles on one database', () => {
  let db: TestDatabase;
  const opened: PostgresStore[] = [];
  const handle = (url = db.url) => {
    const store = new PostgresStore(url, { poolMax: 4 });
    opened.push(store);
    return store;
  };
  let admin: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('multi');
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await Promise.all(opened.map((store) => store.close()));
    await db?.drop();
  });

  const payload = (writer: number, n: number) => new Uint8Array([writer, n >> 8, n & 255]);
  const key = (data: Uint8Array) => Array.from(data).join('.');

  it('migrates once when three instances open an empty database at the same moment', async () => {
    const fresh = await createTestDatabase('migrate');
    const stores = [0, 1, 2].map(() => new PostgresStore(fresh.url, { poolMax: 2 }));
    try {
      await Promise.all(stores.map((store) => store.ready()));
      expect(await Promise.all(stores.map((store) => store.latestSeq('x')))).toEqual([0, 0, 0]);
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
        expect(rows.map((row) => Number(row.version))).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
      } finally {
        await client.end();
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await fresh.drop();
    }
  });

  it('makes one organization and one admin when three instances bootstrap an empty database at once', async () => {
    const fresh = await createTestDatabase('bootstrap');
    const stores = [0, 1, 2].map(() => new PostgresStore(fresh.url, { poolMax: 2 }));
    try {
      const results = await Promise.all(
        stores.map((store) => bootstrapFirstStart(store, { adminEmail: 'admin@example.com', agentToken: 'loupe_' + 'B'.repeat(43), now: Date.now() })),
      );
      expect(results.filter((result) => result !== null)).toHaveLength(1);
      expect(await stores[0].listOrgs()).toHaveLength(1);
      expect(await stores[1].countUsers()).toBe(1);
      const orgId = (await stores[2].listOrgs())[0].id;
      expect(await stores[2].listAgentTokens({ orgId })).toHaveLength(1);
      expect(await stores[0].listMembersOfOrg(orgId)).toMatchObject([{ role: 'owner', user: { email: 'admin@example.com' } }]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await fresh.drop();
    }
  });

  it('numbers racing appends to one document 1, 2, 3… in commit order, so a reader catching up never misses one', async () => {
    const [a, b, reader] = [handle(), handle(), handle()];
    const doc = 'race-append';
    const perWriter = 150;
    const writerSeqs: number[][] = [[], []];
    const write = async (store: PostgresStore, writer: number) => {
      for (let n = 0; n < perWriter; ) {
        // Batches of one to three updates, as a room's turn would make.
        const size = Math.min(1 + (n % 3), perWriter - n);
        const entries = Array.from({ length: size }, (_, k) => ({ docName: doc, data: payload(writer, n + k) }));
        writerSeqs[writer].push(...(await store.appendUpdates(entries)));
        n += size;
      }
    };
    const collected: string[] = [];
    let applied = 0;
    let done = false;
    const read = async () => {
      while (!done) {
        const next = await reader.loadDocAfter(doc, applied);
        expect(next.snapshot).toBeNull();
        collected.push(...next.updates.map(key));
        expect(next.lastSeq).toBeGreaterThanOrEqual(applied);
        applied = next.lastSeq;
      }
    };
    const reading = read();
    await Promise.all([write(a, 0), write(b, 1)]);
    done = true;
    await reading;
    const tail = await reader.loadDocAfter(doc, applied);
    collected.push(...tail.updates.map(key));
    const total = 2 * perWriter;
    // Unique and contiguous.
    expect([...writerSeqs[0], ...writerSeqs[1]].sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Each writer's own appends in the order they committed.
    for (const seqs of writerSeqs) expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    // The reader, catching up from whatever it had, ends with exactly what storage holds, in seq order.
    const stored = await reader.loadDoc(doc);
    expect(stored.lastSeq).toBe(total);
    expect(await reader.latestSeq(doc)).toBe(total);
    expect(collected).toEqual(stored.updates.map(key));
    expect(new Set(collected).size).toBe(total);
  });

  it('lets racing compactions and appends lose nothing: the newest snapshot wins, later updates stay', async () => {
    const [a, b] = [handle(), handle()];
    const doc = 'race-compact';
    for (let round = 0; round < 8; round++) {
      const base = await a.latestSeq(doc);
      await a.appendUpdates(Array.from({ length: 10 }, (_, n) => ({ docName: doc, data: payload(9, base + n) })));
      const older = base + 4;
      const newer = base + 8;
      const snapshot = (upto: number) => new Uint8Array([upto >> 8, upto & 255]);
      // Alternate which one is sent first; appends from both handles meanwhile.
      const compactions = round % 2 === 0
        ? [a.compactDoc(doc, snapshot(older), older), b.compactDoc(doc, snapshot(newer), newer)]
        : [b.compactDoc(doc, snapshot(newer), newer), a.compactDoc(doc, snapshot(older), older)];
      const appends = [a.appendUpdates([{ docName: doc, data: payload(1, round) }]), b.appendUpdates([{ docName: doc, data: payload(2, round) }])];
      await Promise.all([...compactions, ...appends]);
      const stored = await b.loadDoc(doc);
      expect(stored.snapshotSeq).toBe(newer);
      expect(Array.from(stored.snapshot!)).toEqual(Array.from(snapshot(newer)));
      const total = base + 12;
      expect(stored.lastSeq).toBe(total);
      expect(stored.updates).toHaveLength(total - newer);
      const keys = stored.updates.map(key);
      expect(keys).toContain(key(payload(1, round)));
      expect(keys).toContain(key(payload(2, round)));
    }
  });

  it('hands a lease to one holder at a time, with a fencing token that grows on each handover', async () => {
    const [a, b] = [handle(), handle()];
    const now = Date.now();
    const attempts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).acquireLease('sweep', `holder-${i}`, 60_000, now)),
    );
    const winners = attempts.filter((token) => token !== null);
    expect(winners).toEqual([1]);
    const holder = `holder-${attempts.indexOf(1)}`;
    const other = holder === 'holder-0' ? 'holder-1' : 'holder-0';
    expect(await a.acquireLease('sweep', holder, 60_000, now + 1000)).toBe(1);
    expect(await b.acquireLease('sweep', other, 60_000, now + 2000)).toBeNull();
    // Expired: the next holder takes over with a larger token; the old one is fenced off.
    expect(await b.acquireLease('sweep', other, 60_000, now + 61_001)).toBe(2);
    expect(await a.acquireLease('sweep', holder, 60_000, now + 61_002)).toBeNull();
    await a.releaseLease('sweep', holder);
    expect(await a.acquireLease('sweep', holder, 60_000, now + 61_003)).toBeNull();
    await b.releaseLease('sweep', other);
    expect(await a.acquireLease('sweep', holder, 60_000, now + 61_004)).toBe(3);
  });

  it('excludes work under one key across handles (withLock) until the holder is done', async () => {
    const [a, b] = [handle(), handle()];
    const events: string[] = [];
    const hold = gate();
    const entered = gate();
    const first = a.withLock('doc:shared', async () => {
      events.push('a in');
      entered.open();
      await hold.promise;
      events.push('a out');
    });
    await entered.promise;
    const second = b.withLock('doc:shared', async () => {
      events.push('b in');
    });
    // b is waiting on the database's lock (not just slow): PostgreSQL shows an ungranted advisory lock.
    await until(async () => {
      const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
      return rows[0].n > 0;
    }, 'the second handle to wait for the lock');
    expect(events).toEqual(['a in']);
    hold.open();
    await Promise.all([first, second]);
    expect(events).toEqual(['a in', 'a out', 'b in']);
    // Read-modify-write from both handles under the lock loses no increment.
    await a.setSetting('counter', '0');
    const increment = (store: PostgresStore) =>
      store.withLock('counter', async () => {
        const n = Number(await store.getSetting('counter'));
        await store.setSetting('counter', String(n + 1));
      });
    await Promise.all(Array.from({ length: 24 }, (_, i) => increment(i % 2 ? a : b)));
    expect(await a.getSetting('counter')).toBe('24');
    // Nothing stays locked afterwards.
    const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
    expect(rows[0].n).toBe(0);
  });

  it('serialises transactions that take the same tx.lock, and hides a unit\'s writes from others until it commits', async () => {
    const [a, b] = [handle(), handle()];
    await a.setSetting('tx-counter', '0');
    const increment = (store: PostgresStore) =>
      store.transaction(async (tx) => {
        await tx.lock('tx-counter');
        const n = Number(await tx.getSetting('tx-counter'));
        await tx.setSetting('tx-counter', String(n + 1));
      });
    await Promise.all(Array.from({ length: 16 }, (_, i) => increment(i % 2 ? a : b)));
    expect(await b.getSetting('tx-counter')).toBe('16');
    const hold = gate();
    const wrote = gate();
    const unit = a.transaction(async (tx) => {
      await tx.setSetting('pending', 'yes');
      await tx.appendUpdates([{ docName: 'pending-doc', data: new Uint8Array([1]) }]);
      wrote.open();
      await hold.promise;
    });
    await wrote.promise;
    expect(await b.getSetting('pending')).toBeNull();
    expect(await b.latestSeq('pending-doc')).toBe(0);
    hold.open();
    await unit;
    expect(await b.getSetting('pending')).toBe('yes');
    expect(await b.latestSeq('pending-doc')).toBe(1);
  });

  it('keeps one gapless valid audit chain per organization while two handles append at once', async () => {
    const [a, b] = [handle(), handle()];
    const entry = (i: number): NewAuditEntry => ({
      orgId: 'org-chain', at: 1000 + i, action: 'artifact.view', actorKind: 'user', actorId: `u${i % 3}`, actorName: 'U',
      artifactId: null, targetType: null, targetId: null, targetLabel: null, details: { i }, ip: null, userAgent: null,
    });
    const records = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).appendAudit(entry(i))));
    expect(records.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // Inside transactions too (the lock is held to the unit's end).
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).transaction(async (tx) => {
          await tx.appendAudit(entry(100 + i));
          await tx.setSetting(`audited-${i}`, '1');
        }),
      ),
    );
    const verifier = new ChainVerifier();
    for (const record of await a.readAuditChain('org-chain', 0, 1000)) verifier.push(record);
    expect(verifier.verdict()).toMatchObject({ ok: true, entries: 70 });
  });
});

/** A TCP hop between the store and PostgreSQL that a test can cut and restore. */
async function tcpProxy(target: { host: string; port: number }): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}

describe('postgres store: the database going away', () => {
  it('answers 503 storage_unavailable when PostgreSQL cannot be reached', async () => {
    // A port nothing listens on (the proxy, closed).
    const proxy = await tcpProxy({ host: '127.0.0.1', port: 5432 });
    await proxy.close();
    const store = new PostgresStore(`postgres://postgres@127.0.0.1:${proxy.port}/test`, { poolMax: 2 });
    try {
      const error = await store.getSetting('k').then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'storage_unavailable', status: 503, message: 'The database is unavailable; try again shortly.' });
      await expect(store.withLock('k', async () => 1)).rejects.toMatchObject({ code: 'storage_unavailable' });
      await expect(store.transaction(async () => 1)).rejects.toMatchObject({ code: 'storage_unavailable' });
    } finally {
      await store.close();
    }
  });

  it('writes nothing half when the connection is cut mid-unit, and serves again by itself when it is back', async () => {
    const db = await createTestDatabase('cut');
    const url = new URL(db.url);
    const proxy = await tcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${proxy.port}`;
    const store = new PostgresStore(url.toString(), { poolMax: 3 });
    try {
      await store.setSetting('before', '1');
      const cutNow = gate();
      const unit = store.transaction(async (tx) => {
        await tx.setSetting('half', '1');
        await tx.appendUpdates([{ docName: 'half-doc', data: new Uint8Array([1]) }]);
        cutNow.open();
        await proxy.cut();
        await tx.setSetting('half-2', '1');
      });
      await cutNow.promise;
      await expect(unit).rejects.toMatchObject({ code: 'storage_unavailable', status: 503 });
      await expect(store.appendUpdates([{ docName: 'doc', data: new Uint8Array([2]) }])).rejects.toMatchObject({ code: 'storage_unavailable' });
      await proxy.restore();
      // No restart: the pool reconnects on demand.
      await until(async () => (await store.getSetting('before').catch(() => null)) === '1', 'the store to serve again');
      expect(await store.getSetting('half')).toBeNull();
      expect(await store.latestSeq('half-doc')).toBe(0);
      expect(await store.appendUpdates([{ docName: 'doc', data: new Uint8Array([3]) }])).toEqual([1]);
    } finally {
      await store.close();
      await proxy.close();
      await db.drop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { PostgresStore } from '../../lib/store/postgres';
import { POSTGRES_MIGRATIONS, POSTGRES_REBUILD_DOC_HEADS_SQL } from '../../lib/store/postgres-schema';
import type { NewAuditEntry } from '../../lib/store/types';
import { ChainVerifier } from '../../lib/audit/chain';
import { AppError } from '../../lib/errors';
import { bootstrapFirstStart } from '../../server/auth/bootstrap';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { gate, until } from './backends';
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy';

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

  // pg_locks is server-wide: only this database's advisory locks count (other test files run alongside).
  const OUR_ADVISORY_LOCKS = "locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
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
    const [a, b, reader] = [handle(), handle(), handle()];
    const doc = 'race-compact';
    // A reader loading the document meanwhile always gets a whole picture: the snapshot plus every update after it.
    let racing = true;
    let reads = 0;
    const reading = (async () => {
      while (racing) {
        const seen = await reader.loadDoc(doc);
        expect(seen.updates).toHaveLength(seen.lastSeq - seen.snapshotSeq);
        reads += 1;
      }
    })();
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
    racing = false;
    await reading;
    expect(reads).toBeGreaterThan(0);
  });

  it('continues numbering after rows copied from SQLite once their heads are rebuilt', async () => {
    const store = handle();
    await store.ready();
    // As `loupe migrate` copies them: SQLite's global seqs (gaps per document), a compacted document's row without last_seq.
    await admin.query(`INSERT INTO doc_updates (seq, doc_name, data) VALUES (5, 'copied', '\\x01'), (9, 'copied', '\\x02'), (17, 'copied', '\\x03'), (30, 'snapped', '\\x04')`);
    await admin.query(`INSERT INTO docs (name, snapshot, snapshot_seq) VALUES ('snapped', '\\x09', 21), ('only-snapshot', '\\x08', 40)`);
    await admin.query(POSTGRES_REBUILD_DOC_HEADS_SQL);
    await admin.query(POSTGRES_REBUILD_DOC_HEADS_SQL);
    expect(await store.latestSeq('copied')).toBe(17);
    expect(await store.latestSeq('snapped')).toBe(30);
    expect(await store.latestSeq('only-snapshot')).toBe(40);
    expect(await store.appendUpdates([{ docName: 'copied', data: new Uint8Array([4]) }])).toEqual([18]);
    expect(await store.appendUpdates([{ docName: 'snapped', data: new Uint8Array([5]) }])).toEqual([31]);
    expect(await store.appendUpdates([{ docName: 'only-snapshot', data: new Uint8Array([6]) }])).toEqual([41]);
    const copied = await store.loadDoc('copied');
    expect(copied.updates.map((u) => u[0])).toEqual([1, 2, 3, 4]);
    expect(copied.lastSeq).toBe(18);
    expect((await store.loadDocAfter('copied', 9)).updates.map((u) => u[0])).toEqual([3, 4]);
    const snapped = await store.loadDoc('snapped');
    expect(snapped).toMatchObject({ snapshotSeq: 21, lastSeq: 31 });
    expect(snapped.updates.map((u) => u[0])).toEqual([4, 5]);
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
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_locks WHERE ${OUR_ADVISORY_LOCKS} AND NOT granted`);
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
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_locks WHERE ${OUR_ADVISORY_LOCKS}`);
    expect(rows[0].n).toBe(0);
  });

  it('takes a lock inside a lock on the connection it already holds, so a burst of nested locks cannot empty the pool', async () => {
    // poolMax 4 leaves 2 lock connections: two holders each asking for a second connection would wait on each other
    // until the connect timeout (a version cut refreshing the review summary, at 100 documents at once).
    const store = handle();
    const bothIn = gate();
    let inside = 0;
    const nested = await Promise.all(
      [0, 1].map((i) =>
        store.withLock(`version:${i}`, async () => {
          if (++inside === 2) bothIn.open();
          await bothIn.promise;
          return store.withLock(`review:${i}`, async () => `nested ${i}`);
        }),
      ),
    );
    expect(nested).toEqual(['nested 0', 'nested 1']);
    // Work that outlives its lock (a flush scheduled inside it) takes a connection of its own afterwards.
    // (Asserted, not annotated: it is assigned in a callback, so TypeScript must not narrow it to null.)
    let later = null as Promise<string> | null;
    await store.withLock('outer', async () => {
      later = new Promise((resolve) => setTimeout(resolve, 20)).then(() => store.withLock('after', async () => 'after'));
    });
    expect(await later).toBe('after');
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_locks WHERE ${OUR_ADVISORY_LOCKS}`);
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

describe('postgres store: the database going away', () => {
  it('answers 503 storage_unavailable when PostgreSQL cannot be reached', async () => {
    // A port nothing listens on (the proxy, closed).
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    await proxy.close();
    const reported: unknown[] = [];
    const store = new PostgresStore(`postgres://postgres@127.0.0.1:${proxy.port}/test`, { poolMax: 2, onUnavailable: (e) => reported.push(e) });
    try {
      const error = await store.getSetting('k').then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'storage_unavailable', status: 503, message: 'The database is unavailable; try again shortly.' });
      await expect(store.withLock('k', async () => 1)).rejects.toMatchObject({ code: 'storage_unavailable' });
      await expect(store.transaction(async () => 1)).rejects.toMatchObject({ code: 'storage_unavailable' });
      // Told for the log once, not once per failed call.
      expect(reported).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('gives up on a database that stops answering (no reset) within its statement timeout, and recovers', async () => {
    const db = await createTestDatabase('blackhole');
    const target = new URL(db.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const store = new PostgresStore(throughProxy(db.url, proxy), { poolMax: 2, statementTimeoutMs: 500 });
    try {
      await store.setSetting('k', 'v');
      proxy.blackhole();
      await expect(store.getSetting('k')).rejects.toMatchObject({ code: 'storage_unavailable' });
      await expect(store.transaction((tx) => tx.setSetting('in-unit', '1'))).rejects.toMatchObject({ code: 'storage_unavailable' });
      await proxy.restore();
      await until(async () => (await store.getSetting('k').catch(() => null)) === 'v', 'the store to serve again');
      expect(await store.getSetting('in-unit')).toBeNull();
    } finally {
      await store.close();
      await proxy.close();
      await db.drop();
    }
  });

  it('writes nothing half when the connection is cut mid-unit, and serves again by itself when it is back', async () => {
    const db = await createTestDatabase('cut');
    const target = new URL(db.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const store = new PostgresStore(throughProxy(db.url, proxy), { poolMax: 3 });
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

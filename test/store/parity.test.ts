import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewAuditEntry, Store } from '../../lib/store/types';
import { backends, type OpenedStore } from './backends';

/**
 * The same calls on SQLite and on PostgreSQL answer the same, byte for byte:
 * orderings over mixed-case and non-ASCII text (both compare bytes), cursors,
 * and the audit chain's hashes (what `loupe migrate` verifies after a copy).
 */
describe('store parity: sqlite and postgres', () => {
  let opened: OpenedStore[];
  beforeAll(async () => {
    opened = await Promise.all(backends.map((backend) => backend.open()));
  });
  afterAll(async () => {
    for (const { store, cleanup } of opened) {
      await store.close();
      await cleanup();
    }
  });

  const both = async <T>(call: (store: Store) => Promise<T>): Promise<T> => {
    const [sqlite, postgres] = await Promise.all(opened.map(({ store }) => call(store)));
    expect(postgres).toEqual(sqlite);
    return sqlite;
  };

  it('orders text the same way: bytes, not a locale', async () => {
    const names = ['amy', 'Zed', 'émile', 'Bob', 'bob', 'Ärger', '_x', '10', '9'];
    await both(async (store) => {
      await store.createOrg({ id: 'o', name: 'Org', createdAt: 1 });
      for (const [i, name] of names.entries()) {
        await store.createUser({ id: `u${i}`, email: `u${i}@example.com`, name, passwordHash: null, createdAt: i });
        await store.putMembership({ orgId: 'o', userId: `u${i}`, role: 'member', createdAt: i });
      }
    });
    const members = await both((store) => store.listMembersOfOrg('o'));
    expect(members.map((m) => m.user.name)).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const ids = ['b', 'A', 'a', 'B', 'é', 'Z', '0'];
    await both(async (store) => {
      for (const id of ids) {
        await store.createArtifact({ id, orgId: 'o', createdBy: 'u0', title: `Title ${id}`, project: '', session: '', kind: 'page', status: 'published', visibility: 'org', createdAt: 7 });
      }
    });
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await both((store) => store.listArtifacts({ orgId: 'o', viewer: { userId: 'u0', isAdmin: false }, limit: 3, cursor }));
      pages.push(page.items.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.flat()).toEqual([...ids].sort((a, b) => Buffer.compare(Buffer.from(b), Buffer.from(a))));
    await both((store) => store.listArtifacts({ orgId: 'o', viewer: { userId: 'u0', isAdmin: false }, limit: 10, q: 'TITLE a' }));
  });

  it('makes byte-identical audit chains from the same entries', async () => {
    const entries: NewAuditEntry[] = Array.from({ length: 12 }, (_, i) => ({
      orgId: 'org-parity', at: 1_700_000_000_000 + i, action: i % 2 ? 'artifact.view' : 'token.create', actorKind: 'user', actorId: `u${i % 3}`,
      actorName: 'Ünïcödé “name”', artifactId: i % 4 ? null : 'art', targetType: 'token', targetId: `t${i}`, targetLabel: 'label\nwith newline',
      details: { z: i, a: { nested: [1, 'two', null] }, emoji: '🔒' }, ip: i % 2 ? '203.0.113.7' : null, userAgent: 'curl/8',
    }));
    for (const entry of entries) await both((store) => store.appendAudit(entry));
    const chain = await both((store) => store.readAuditChain('org-parity', 0, 100));
    expect(chain).toHaveLength(12);
  });

  it('stores and returns bytes and large integers unchanged', async () => {
    const data = new Uint8Array(256).map((_, i) => i);
    await both((store) => store.appendUpdates([{ docName: 'bin', data }]).then(() => undefined));
    const doc = await both(async (store) => {
      const loaded = await store.loadDoc('bin');
      return { updates: loaded.updates.map((u) => Array.from(u)), snapshot: loaded.snapshot };
    });
    expect(doc.updates[0]).toEqual(Array.from(data));
    const far = 8_640_000_000_000_000; // the latest time a JS Date can hold
    await both((store) => store.createSession({ id: 'far', userId: 'u0', createdAt: 0, expiresAt: far, revokedAt: null }));
    expect((await both((store) => store.getSession('far')))!.expiresAt).toBe(far);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Store } from '../../lib/store/types';
import { SqliteStore } from '../../lib/store/sqlite';

/**
 * The storage contract. Every backend runs the same cases against a real
 * server or file; PostgreSQL joins this list when its backend lands.
 */
const backends: Array<{ name: string; open: () => { store: Store; cleanup: () => void } }> = [
  {
    name: 'sqlite (file)',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'loupe-store-'));
      return { store: new SqliteStore(join(dir, 'loupe.db')), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

for (const backend of backends) {
  describe(`store contract: ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => void;
    beforeEach(() => {
      ({ store, cleanup } = backend.open());
    });
    afterEach(async () => {
      await store.close();
      cleanup();
    });

    const bytes = (...values: number[]) => new Uint8Array(values);

    it('appends updates in order with increasing seqs and loads them back', async () => {
      const seqs = await store.appendUpdates([
        { docName: 'a', data: bytes(1) },
        { docName: 'b', data: bytes(2) },
        { docName: 'a', data: bytes(3) },
      ]);
      expect(seqs[0]).toBeLessThan(seqs[1]);
      expect(seqs[1]).toBeLessThan(seqs[2]);
      const a = await store.loadDoc('a');
      expect(a.snapshot).toBeNull();
      expect(a.updates.map((u) => Array.from(u))).toEqual([[1], [3]]);
      expect(a.lastSeq).toBe(seqs[2]);
      expect((await store.loadDoc('missing')).lastSeq).toBe(0);
    });

    it('compaction replaces exactly the updates up to its seq, keeping later ones', async () => {
      const [s1, s2] = await store.appendUpdates([{ docName: 'd', data: bytes(1) }, { docName: 'd', data: bytes(2) }]);
      const [s3] = await store.appendUpdates([{ docName: 'd', data: bytes(3) }]);
      await store.compactDoc('d', bytes(9, 9), s2);
      const doc = await store.loadDoc('d');
      expect(Array.from(doc.snapshot!)).toEqual([9, 9]);
      expect(doc.snapshotSeq).toBe(s2);
      expect(doc.updates.map((u) => Array.from(u))).toEqual([[3]]);
      expect(doc.lastSeq).toBe(s3);
      expect(s1).toBeLessThan(s2);
      await store.compactDoc('d', bytes(7), s3);
      const again = await store.loadDoc('d');
      expect(again.updates).toEqual([]);
      expect(again.lastSeq).toBe(s3);
    });

    it('deletes a document entirely', async () => {
      await store.appendUpdates([{ docName: 'gone', data: bytes(1) }]);
      await store.compactDoc('gone', bytes(2), (await store.loadDoc('gone')).lastSeq);
      await store.deleteDoc('gone');
      const doc = await store.loadDoc('gone');
      expect(doc.snapshot).toBeNull();
      expect(doc.updates).toEqual([]);
    });

    it('stores artifacts and lists them newest first with filters and keyset paging', async () => {
      const orgId = randomUUID();
      await store.createOrg({ id: orgId, name: 'Org', createdAt: 1 });
      for (let i = 0; i < 5; i++) {
        await store.createArtifact({
          id: randomUUID(), orgId, createdBy: 'u', title: `Report ${i} 100%_done`, project: i % 2 ? 'odd' : 'even',
          session: 's', kind: 'page', status: 'published', createdAt: 1000 + i,
        });
      }
      const all = await store.listArtifacts({ orgId, limit: 10 });
      expect(all.items.map((a) => a.title)).toEqual([4, 3, 2, 1, 0].map((i) => `Report ${i} 100%_done`));
      expect((await store.listArtifacts({ orgId, limit: 10, project: 'odd' })).items).toHaveLength(2);
      expect((await store.listArtifacts({ orgId, limit: 10, q: '3 100%' })).items).toHaveLength(1);
      expect((await store.listArtifacts({ orgId, limit: 10, q: '%' })).items).toHaveLength(5);
      const first = await store.listArtifacts({ orgId, limit: 2 });
      const second = await store.listArtifacts({ orgId, limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((a) => a.title)).toEqual(['Report 2 100%_done', 'Report 1 100%_done']);
      expect((await store.listArtifacts({ orgId: randomUUID(), limit: 10 })).items).toEqual([]);
      const id = all.items[4].id;
      await store.touchArtifact(id, { updatedAt: 5000, sizeBytes: 42 });
      expect(await store.getArtifact(id)).toMatchObject({ updatedAt: 5000, sizeBytes: 42 });
      expect((await store.listArtifacts({ orgId, limit: 1 })).items[0].id).toBe(id);
    });

    it('keeps identity records: users, memberships, sessions, tokens, settings', async () => {
      const orgId = randomUUID();
      const userId = randomUUID();
      await store.createOrg({ id: orgId, name: 'Org', createdAt: 1 });
      await store.createUser({ id: userId, email: 'a@example.com', name: 'A', passwordHash: 'h', createdAt: 1 });
      expect(await store.getUserByEmail('A@example.com')).toMatchObject({ id: userId });
      expect(await store.countUsers()).toBe(1);
      await store.putMembership({ orgId, userId, role: 'member', createdAt: 1 });
      await store.putMembership({ orgId, userId, role: 'admin', createdAt: 2 });
      expect(await store.getMembership(orgId, userId)).toMatchObject({ role: 'admin' });
      expect(await store.listMembersOfOrg(orgId)).toHaveLength(1);
      await store.createSession({ id: 's1', userId, createdAt: 1, expiresAt: 10, revokedAt: null });
      await store.revokeSession('s1', 5);
      expect(await store.getSession('s1')).toMatchObject({ revokedAt: 5 });
      await store.createAgentToken({ id: 't1', orgId, userId, name: 'bot', tokenHash: 'abc', scopes: ['artifacts:write'], createdAt: 1, expiresAt: null, lastUsedAt: null, revokedAt: null });
      await store.touchAgentToken('t1', 7);
      expect(await store.getAgentTokenByHash('abc')).toMatchObject({ scopes: ['artifacts:write'], lastUsedAt: 7 });
      await store.setSetting('k', 'v1');
      await store.setSetting('k', 'v2');
      expect(await store.getSetting('k')).toBe('v2');
    });
  });
}

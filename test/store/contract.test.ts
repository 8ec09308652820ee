import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Store } from '../../lib/store/types';
import { SqliteStore } from '../../lib/store/sqlite';
import { PostgresStore } from '../../lib/store/postgres';
import { createTestDatabase } from '../helpers/services';

/**
 * The storage contract. Every backend runs the same cases against a real
 * server or file: SQLite in a temporary file, PostgreSQL in a database of the test's own.
 */
const backends: Array<{ name: string; open: () => Promise<{ store: Store; cleanup: () => Promise<void> | void }> }> = [
  {
    name: 'sqlite (file)',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'loupe-store-'));
      return { store: new SqliteStore(join(dir, 'loupe.db')), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const db = await createTestDatabase('contract');
      return { store: new PostgresStore(db.url), cleanup: () => db.drop() };
    },
  },
];

for (const backend of backends) {
  describe(`store contract: ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void> | void;
    beforeEach(async () => {
      ({ store, cleanup } = await backend.open());
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    const bytes = (...values: number[]) => new Uint8Array(values);

    it('appends updates in order with increasing seqs and loads them back', async () => {
      const seqs = await store.appendUpdates([
        { docName: 'a', data: bytes(1) },
        { docName: 'b', data: bytes(2) },
        { docName: 'a', data: bytes(3) },
      ]);
      // Seqs are ordered per document (PostgreSQL numbers each document 1, 2, 3…; SQLite shares one sequence).
      expect(seqs[0]).toBeLessThan(seqs[2]);
      expect(seqs[1]).toBeGreaterThan(0);
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
      const viewer = { userId: 'someone', isAdmin: false };
      await store.createOrg({ id: orgId, name: 'Org', createdAt: 1 });
      for (let i = 0; i < 5; i++) {
        await store.createArtifact({
          id: randomUUID(), orgId, createdBy: 'u', title: `Report ${i} 100%_done`, project: i % 2 ? 'odd' : 'even',
          session: 's', kind: 'page', status: 'published', visibility: 'org', createdAt: 1000 + i,
        });
      }
      const all = await store.listArtifacts({ viewer, orgId, limit: 10 });
      expect(all.items.map((a) => a.title)).toEqual([4, 3, 2, 1, 0].map((i) => `Report ${i} 100%_done`));
      expect((await store.listArtifacts({ viewer, orgId, limit: 10, project: 'odd' })).items).toHaveLength(2);
      expect((await store.listArtifacts({ viewer, orgId, limit: 10, q: '3 100%' })).items).toHaveLength(1);
      expect((await store.listArtifacts({ viewer, orgId, limit: 10, q: '%' })).items).toHaveLength(5);
      const first = await store.listArtifacts({ viewer, orgId, limit: 2 });
      const second = await store.listArtifacts({ viewer, orgId, limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((a) => a.title)).toEqual(['Report 2 100%_done', 'Report 1 100%_done']);
      expect((await store.listArtifacts({ viewer, orgId: randomUUID(), limit: 10 })).items).toEqual([]);
      const id = all.items[4].id;
      await store.touchArtifact(id, { updatedAt: 5000, sizeBytes: 42 });
      expect(await store.getArtifact(id)).toMatchObject({ updatedAt: 5000, sizeBytes: 42 });
      expect((await store.listArtifacts({ viewer, orgId, limit: 1 })).items[0].id).toBe(id);
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
      expect(await store.revokeAgentToken('t1', 9)).toBe(true);
      expect(await store.revokeAgentToken('t1', 10)).toBe(false);
      expect(await store.getAgentToken('t1')).toMatchObject({ revokedAt: 9 });
      await store.createSession({ id: 's2', userId, createdAt: 1, expiresAt: 99, revokedAt: null });
      await store.createSession({ id: 's3', userId, createdAt: 1, expiresAt: 99, revokedAt: null });
      expect((await store.revokeSessionsOfUser(userId, 11)).sort()).toEqual(['s2', 's3']);
      expect(await store.deleteMembership(orgId, userId)).toBe(true);
      expect(await store.getMembership(orgId, userId)).toBeNull();
    });

    it('lists exactly what each viewer may see: drafts, member-only and org-wide artifacts', async () => {
      const orgId = randomUUID();
      await store.createOrg({ id: orgId, name: 'Org', createdAt: 1 });
      const base = { orgId, project: '', session: '', kind: 'page', visibility: 'org' as const };
      await store.createArtifact({ ...base, id: 'draft-a', createdBy: 'alice', title: 'draft', status: 'draft', createdAt: 1 });
      await store.createArtifact({ ...base, id: 'org-wide', createdBy: 'alice', title: 'org', status: 'published', createdAt: 2 });
      await store.createArtifact({ ...base, id: 'for-bob', createdBy: 'alice', title: 'bob', status: 'published', visibility: 'members', members: ['bob'], createdAt: 3 });
      const ids = async (userId: string, isAdmin = false) =>
        (await store.listArtifacts({ orgId, limit: 10, viewer: { userId, isAdmin } })).items.map((a) => a.id).sort();
      expect(await ids('alice')).toEqual(['draft-a', 'for-bob', 'org-wide']);
      expect(await ids('bob')).toEqual(['for-bob', 'org-wide']);
      expect(await ids('carol')).toEqual(['org-wide']);
      expect(await ids('admin', true)).toEqual(['for-bob', 'org-wide']);
      await store.updateArtifact('draft-a', { publishRequestedAt: 5 });
      expect(await ids('admin', true)).toEqual(['draft-a', 'for-bob', 'org-wide']);
      expect((await store.listArtifacts({ orgId, limit: 10, status: 'draft', viewer: { userId: 'alice', isAdmin: false } })).items).toHaveLength(1);
      const updated = await store.updateArtifact('for-bob', { members: ['carol', 'dave', 'carol'], legalHold: true });
      expect(updated).toMatchObject({ members: ['carol', 'dave'], legalHold: true });
      expect(await ids('bob')).toEqual(['org-wide']);
    });

    it('purges an artifact with its documents, and lists only unheld expired ones', async () => {
      const orgId = randomUUID();
      await store.createOrg({ id: orgId, name: 'Org', createdAt: 1, settings: { defaultVisibility: 'members', publishRole: 'admin', retentionDays: 30, requiredApprovals: 2 } });
      expect((await store.getOrg(orgId))!.settings).toEqual({ defaultVisibility: 'members', publishRole: 'admin', retentionDays: 30, requiredApprovals: 2 });
      const base = { orgId, project: '', session: '', kind: 'page', status: 'published' as const, visibility: 'org' as const, createdBy: 'u', title: 't' };
      await store.createArtifact({ ...base, id: 'old', createdAt: 10 });
      await store.createArtifact({ ...base, id: 'held', createdAt: 10 });
      await store.createArtifact({ ...base, id: 'new', createdAt: 500 });
      await store.updateArtifact('held', { legalHold: true });
      expect((await store.listExpiredArtifacts(orgId, 100, 10)).map((a) => a.id)).toEqual(['old']);
      await store.appendUpdates([{ docName: 'old', data: bytes(1) }, { docName: 'old/review', data: bytes(2) }, { docName: 'new', data: bytes(3) }]);
      await store.purgeArtifact('old', ['old', 'old/review']);
      expect(await store.getArtifact('old')).toBeNull();
      expect((await store.loadDoc('old')).updates).toEqual([]);
      expect((await store.loadDoc('old/review')).updates).toEqual([]);
      expect((await store.loadDoc('new')).updates).toHaveLength(1);
    });

    it('uses an invitation exactly once, and never after it expires or is revoked', async () => {
      const orgId = randomUUID();
      await store.createOrg({ id: orgId, name: 'Org', createdAt: 1 });
      await store.createUser({ id: 'u1', email: 'u1@example.com', name: 'U1', passwordHash: null, createdAt: 1 });
      await store.createUser({ id: 'u2', email: 'u2@example.com', name: 'U2', passwordHash: null, createdAt: 1 });
      const invitation = { orgId, email: null, role: 'member' as const, createdBy: 'x', createdAt: 1, expiresAt: 100, acceptedAt: null, acceptedBy: null, revokedAt: null };
      await store.createInvitation({ ...invitation, id: 'i1', secretHash: 'h1' });
      await store.createInvitation({ ...invitation, id: 'i2', secretHash: 'h2' });
      expect((await store.listPendingInvitations(orgId, 50)).map((i) => i.id).sort()).toEqual(['i1', 'i2']);
      expect(await store.acceptInvitation('i1', 'u1', 50)).toBe(true);
      expect(await store.acceptInvitation('i1', 'u2', 51)).toBe(false);
      expect(await store.getMembership(orgId, 'u1')).toMatchObject({ role: 'member' });
      expect(await store.getMembership(orgId, 'u2')).toBeNull();
      expect(await store.acceptInvitation('i2', 'u2', 100)).toBe(false);
      expect(await store.revokeInvitation('i2', 60)).toBe(true);
      expect(await store.getInvitationBySecretHash('h2')).toMatchObject({ revokedAt: 60 });
      expect(await store.listPendingInvitations(orgId, 50)).toEqual([]);
    });

    it('chains audit entries per organization and filters them newest first', async () => {
      const orgA = randomUUID();
      const orgB = randomUUID();
      const entry = (orgId: string, action: string, at: number) => ({
        orgId, at, action, actorKind: 'user' as const, actorId: 'u', actorName: 'U', artifactId: null,
        targetType: null, targetId: null, targetLabel: null, details: { b: 2, a: 1 }, ip: '127.0.0.1', userAgent: null,
      });
      const first = await store.appendAudit(entry(orgA, 'auth.sign_in', 1));
      const other = await store.appendAudit(entry(orgB, 'auth.sign_in', 2));
      const second = await store.appendAudit(entry(orgA, 'artifact.view', 3));
      expect([first.seq, other.seq, second.seq]).toEqual([1, 1, 2]);
      expect(first.prevHash).toBe('0'.repeat(64));
      expect(second.prevHash).toBe(first.hash);
      expect((await store.listAudit({ orgId: orgA, limit: 10 })).map((e) => e.seq)).toEqual([2, 1]);
      expect((await store.listAudit({ orgId: orgA, limit: 10, action: 'auth.sign_in' })).map((e) => e.seq)).toEqual([1]);
      expect((await store.listAudit({ orgId: orgA, limit: 10, from: 2 })).map((e) => e.seq)).toEqual([2]);
      expect((await store.readAuditChain(orgA, 1, 10)).map((e) => e.seq)).toEqual([2]);
      expect((await store.readAuditChain(orgA, 0, 10))[0].details).toEqual({ a: 1, b: 2 });
    });
  });
}

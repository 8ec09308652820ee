import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { NewAuditEntry, Store, StoredVersion } from '../../lib/store/types';
import { ChainVerifier } from '../../lib/audit/chain';
import { backends, bytes, gate } from './backends';

/**
 * The storage contract: every Store method, on every backend (test/store/backends.ts),
 * against a real file or server. Multi-process properties: pg-concurrency.test.ts;
 * the review layer: review-contract.test.ts.
 */
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

    it("records an artifact's updated time and size with the append that changes its page, in one transaction", async () => {
      const orgId = randomUUID();
      await store.createOrg({ id: orgId, name: 'Org', createdAt: 1 });
      await store.createArtifact({ orgId, project: '', session: '', kind: 'page', status: 'published', visibility: 'org', createdBy: 'u', title: 't', id: 'page', createdAt: 10 });
      await store.appendUpdates([{ docName: 'page', data: bytes(1) }], { artifactId: 'page', updatedAt: 20, sizeBytes: 300 });
      expect(await store.getArtifact('page')).toMatchObject({ updatedAt: 20, sizeBytes: 300 });
      // Without a size the recorded one stays; the time still moves.
      await store.appendUpdates([{ docName: 'page', data: bytes(2) }], { artifactId: 'page', updatedAt: 30 });
      expect(await store.getArtifact('page')).toMatchObject({ updatedAt: 30, sizeBytes: 300 });
      // An append that fails records nothing: the bookkeeping is part of it.
      await expect(store.appendUpdates([{ docName: 'page', data: null as unknown as Uint8Array }], { artifactId: 'page', updatedAt: 40, sizeBytes: 1 })).rejects.toThrow();
      expect(await store.getArtifact('page')).toMatchObject({ updatedAt: 30, sizeBytes: 300 });
      expect((await store.loadDoc('page')).updates).toHaveLength(2);
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

    it('names its backend', () => {
      expect(store.kind).toBe(backend.name);
    });

    it('hands a process what it lacks after a seq: loadDocAfter and latestSeq, before and after compaction', async () => {
      expect(await store.latestSeq('fresh')).toBe(0);
      expect(await store.loadDocAfter('fresh', 0)).toEqual({ snapshot: null, snapshotSeq: 0, updates: [], lastSeq: 0 });
      const [s1, s2, s3] = await store.appendUpdates([
        { docName: 'c', data: bytes(1) },
        { docName: 'c', data: bytes(2) },
        { docName: 'c', data: bytes(3) },
      ]);
      expect(s1).toBeLessThan(s2);
      expect(s2).toBeLessThan(s3);
      expect(await store.latestSeq('c')).toBe(s3);
      const after1 = await store.loadDocAfter('c', s1);
      expect(after1.snapshot).toBeNull();
      expect(after1.updates.map((u) => Array.from(u))).toEqual([[2], [3]]);
      expect(after1.lastSeq).toBe(s3);
      expect(await store.loadDocAfter('c', s3)).toMatchObject({ snapshot: null, updates: [], lastSeq: s3 });
      await store.compactDoc('c', bytes(8), s2);
      // Compacted past what the caller holds: the snapshot (a superset it merges) and the tail.
      const behind = await store.loadDocAfter('c', s1);
      expect(Array.from(behind.snapshot!)).toEqual([8]);
      expect(behind.snapshotSeq).toBe(s2);
      expect(behind.updates.map((u) => Array.from(u))).toEqual([[3]]);
      expect(behind.lastSeq).toBe(s3);
      const current = await store.loadDocAfter('c', s2);
      expect(current.snapshot).toBeNull();
      expect(current.updates.map((u) => Array.from(u))).toEqual([[3]]);
      await store.compactDoc('c', bytes(9), s3);
      expect(await store.latestSeq('c')).toBe(s3);
      expect(await store.loadDocAfter('c', s3)).toMatchObject({ snapshot: null, updates: [], lastSeq: s3 });
      const [s4] = await store.appendUpdates([{ docName: 'c', data: bytes(4) }]);
      expect(s4).toBeGreaterThan(s3);
      expect(await store.latestSeq('c')).toBe(s4);
      expect((await store.loadDocAfter('c', s3)).updates.map((u) => Array.from(u))).toEqual([[4]]);
    });

    it('never lets a compaction from an older read replace a newer snapshot', async () => {
      const [s1, s2] = await store.appendUpdates([{ docName: 'f', data: bytes(1) }, { docName: 'f', data: bytes(2) }]);
      await store.compactDoc('f', bytes(22), s2);
      await store.compactDoc('f', bytes(11), s1);
      await store.compactDoc('f', bytes(33), s2);
      const doc = await store.loadDoc('f');
      expect(Array.from(doc.snapshot!)).toEqual([22]);
      expect(doc.snapshotSeq).toBe(s2);
      expect(doc.lastSeq).toBe(s2);
    });

    it('keeps every entry of one append together and in order, across documents', async () => {
      const seqs = await store.appendUpdates([
        { docName: 'y', data: bytes(1) },
        { docName: 'x', data: bytes(2) },
        { docName: 'y', data: bytes(3) },
        { docName: 'x', data: bytes(4) },
      ]);
      expect(seqs).toHaveLength(4);
      expect(seqs[0]).toBeLessThan(seqs[2]);
      expect(seqs[1]).toBeLessThan(seqs[3]);
      expect((await store.loadDoc('x')).updates.map((u) => Array.from(u))).toEqual([[2], [4]]);
      expect((await store.loadDoc('y')).updates.map((u) => Array.from(u))).toEqual([[1], [3]]);
      expect(await store.appendUpdates([])).toEqual([]);
      const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
      await store.appendUpdates([{ docName: 'big', data: big }]);
      expect(Buffer.compare(Buffer.from((await store.loadDoc('big')).updates[0]), Buffer.from(big))).toBe(0);
    });

    const version = (artifactId: string, n: number, keyframe: boolean, data: number[], over: Partial<StoredVersion> = {}): StoredVersion => ({
      artifactId, n, kind: 'auto', message: `v${n}`, authorKind: 'agent', authorId: 'a', authorName: 'Agent', createdAt: n * 100,
      session: null, commitSha: null, prUrl: null, sizeBytes: data.length, changeBytes: 1, restoredFrom: null,
      contentHash: `h${n}`, keyframe, data: new Uint8Array(data), ...over,
    });

    it('stores versions as keyframes and deltas and reads back each one\'s chain', async () => {
      await store.appendVersion(version('art', 1, true, [1, 1]));
      await store.appendVersion(version('art', 2, false, [2], { kind: 'named', message: 'release', session: 's', commitSha: 'abc', prUrl: 'https://x/pr/1' }));
      await store.appendVersion(version('art', 3, false, [3, 3, 3], { kind: 'restore', restoredFrom: 1 }));
      await expect(store.appendVersion(version('art', 3, false, [9]))).rejects.toThrow();
      expect((await store.listVersions('art')).map((v) => v.n)).toEqual([3, 2, 1]);
      expect((await store.listVersions('art', { namedOnly: true })).map((v) => v.n)).toEqual([3, 2]);
      expect(await store.getVersion('art', 2)).toEqual({
        artifactId: 'art', n: 2, kind: 'named', message: 'release', authorKind: 'agent', authorId: 'a', authorName: 'Agent',
        createdAt: 200, session: 's', commitSha: 'abc', prUrl: 'https://x/pr/1', sizeBytes: 1, changeBytes: 1, restoredFrom: null, contentHash: 'h2',
      });
      expect(await store.getVersion('art', 9)).toBeNull();
      expect(await store.latestVersion('art')).toMatchObject({ n: 3, restoredFrom: 1, deltasSinceKeyframe: 2, deltaBytesSinceKeyframe: 4 });
      expect(await store.latestVersion('none')).toBeNull();
      const chain = await store.readVersionChain('art', 3);
      expect(Array.from(chain!.keyframe)).toEqual([1, 1]);
      expect(chain!.deltas.map((d) => Array.from(d))).toEqual([[2], [3, 3, 3]]);
      expect((await store.readVersionChain('art', 1))!.deltas).toEqual([]);
      expect(await store.readVersionChain('art', 7)).toBeNull();
      // Pruning rewrites the oldest kept version as a keyframe, so later ones still read.
      expect(await store.pruneVersions('art', 2, new Uint8Array([7, 7]))).toBe(1);
      expect((await store.listVersions('art')).map((v) => v.n)).toEqual([3, 2]);
      const after = await store.readVersionChain('art', 3);
      expect(Array.from(after!.keyframe)).toEqual([7, 7]);
      expect(after!.deltas.map((d) => Array.from(d))).toEqual([[3, 3, 3]]);
      expect(await store.latestVersion('art')).toMatchObject({ n: 3, deltasSinceKeyframe: 1, deltaBytesSinceKeyframe: 3 });
    });

    it('remembers the highest version each person has seen, never lowering it', async () => {
      expect(await store.getSeenVersion('art', 'u')).toBeNull();
      await store.markSeenVersion('art', 'u', 3, 10);
      await store.markSeenVersion('art', 'u', 2, 20);
      expect(await store.getSeenVersion('art', 'u')).toBe(3);
      await store.markSeenVersion('art', 'u', 5, 30);
      expect(await store.getSeenVersion('art', 'u')).toBe(5);
      expect(await store.getSeenVersion('art', 'other')).toBeNull();
    });

    it('lists artifacts with versions older than a time that are not their latest, skipping held ones', async () => {
      const orgId = randomUUID();
      await store.createOrg({ id: orgId, name: 'Org', createdAt: 1 });
      const base = { orgId, project: '', session: '', kind: 'page', status: 'published' as const, visibility: 'org' as const, createdBy: 'u', title: 't', createdAt: 1 };
      for (const id of ['one-version', 'two-versions', 'held', 'recent']) await store.createArtifact({ ...base, id });
      await store.appendVersion(version('one-version', 1, true, [1]));
      await store.appendVersion(version('two-versions', 1, true, [1]));
      await store.appendVersion(version('two-versions', 2, false, [2]));
      await store.appendVersion(version('held', 1, true, [1]));
      await store.appendVersion(version('held', 2, false, [2]));
      await store.updateArtifact('held', { legalHold: true });
      await store.appendVersion(version('recent', 1, true, [1], { createdAt: 5000 }));
      await store.appendVersion(version('recent', 2, false, [2], { createdAt: 6000 }));
      expect((await store.listArtifactsWithVersionsBefore(orgId, 1000, 10)).map((a) => a.id)).toEqual(['two-versions']);
      expect(await store.listArtifactsWithVersionsBefore(orgId, 1000, 0)).toEqual([]);
    });

    it('keeps orgs, users and memberships: get, list, update', async () => {
      await store.createOrg({ id: 'o2', name: 'Second', createdAt: 2 });
      await store.createOrg({ id: 'o1', name: 'First', createdAt: 1 });
      expect((await store.listOrgs()).map((o) => o.id)).toEqual(['o1', 'o2']);
      expect((await store.getOrg('o1'))!.settings).toEqual({ defaultVisibility: 'org', publishRole: 'member', retentionDays: null, requiredApprovals: 1 });
      expect(await store.getOrg('nope')).toBeNull();
      const updated = await store.updateOrg('o1', { name: 'Renamed', settings: { retentionDays: 90, requiredApprovals: 3 } });
      expect(updated).toMatchObject({ id: 'o1', name: 'Renamed', createdAt: 1, settings: { defaultVisibility: 'org', retentionDays: 90, requiredApprovals: 3 } });
      expect((await store.updateOrg('o1', { settings: { retentionDays: null } }))!.settings.retentionDays).toBeNull();
      expect(await store.updateOrg('nope', { name: 'x' })).toBeNull();
      await store.createUser({ id: 'u1', email: 'u1@example.com', name: 'Zed', passwordHash: null, createdAt: 5 });
      await store.createUser({ id: 'u2', email: 'u2@example.com', name: 'Amy', passwordHash: 'h', createdAt: 6 });
      await expect(store.createUser({ id: 'u3', email: 'u1@example.com', name: 'Dup', passwordHash: null, createdAt: 7 })).rejects.toThrow();
      expect(await store.getUser('u1')).toEqual({ id: 'u1', email: 'u1@example.com', name: 'Zed', passwordHash: null, createdAt: 5 });
      expect(await store.getUser('nope')).toBeNull();
      await store.updateUser('u1', { name: 'Zoe', passwordHash: 'new' });
      await store.updateUser('u1', {});
      expect(await store.getUser('u1')).toMatchObject({ name: 'Zoe', passwordHash: 'new' });
      expect(await store.getUserByEmail('nobody@example.com')).toBeNull();
      await store.putMembership({ orgId: 'o2', userId: 'u1', role: 'member', createdAt: 20 });
      await store.putMembership({ orgId: 'o1', userId: 'u1', role: 'owner', createdAt: 10 });
      await store.putMembership({ orgId: 'o1', userId: 'u2', role: 'viewer', createdAt: 11 });
      expect((await store.listMembershipsOfUser('u1')).map((m) => [m.orgId, m.role])).toEqual([['o1', 'owner'], ['o2', 'member']]);
      const members = await store.listMembersOfOrg('o1');
      // Ordered by name; password hashes never leave through a member listing.
      expect(members.map((m) => [m.user.name, m.role, m.user.passwordHash])).toEqual([['Amy', 'viewer', null], ['Zoe', 'owner', null]]);
      expect(await store.deleteMembership('o1', 'u2')).toBe(true);
      expect(await store.deleteMembership('o1', 'u2')).toBe(false);
      expect(await store.countUsers()).toBe(2);
    });

    it('keeps sessions and agent tokens: list, revoke all of a user, except one', async () => {
      await store.createOrg({ id: 'o', name: 'Org', createdAt: 1 });
      await store.createOrg({ id: 'p', name: 'Other', createdAt: 1 });
      for (const id of ['u', 'v']) await store.createUser({ id, email: `${id}@example.com`, name: id, passwordHash: null, createdAt: 1 });
      for (const id of ['s1', 's2', 's3']) await store.createSession({ id, userId: 'u', createdAt: 1, expiresAt: 99, revokedAt: null });
      await store.createSession({ id: 'sv', userId: 'v', createdAt: 1, expiresAt: 99, revokedAt: null });
      expect(await store.getSession('nope')).toBeNull();
      expect((await store.revokeSessionsOfUser('u', 5, 's2')).sort()).toEqual(['s1', 's3']);
      expect(await store.getSession('s2')).toMatchObject({ revokedAt: null });
      expect(await store.getSession('s1')).toMatchObject({ revokedAt: 5, expiresAt: 99 });
      expect(await store.revokeSessionsOfUser('u', 6, 's2')).toEqual([]);
      expect(await store.getSession('sv')).toMatchObject({ revokedAt: null });
      await store.revokeSession('s1', 50);
      expect(await store.getSession('s1')).toMatchObject({ revokedAt: 5 });
      const token = (id: string, orgId: string, userId: string, createdAt: number) => ({
        id, orgId, userId, name: id, tokenHash: `hash-${id}`, scopes: ['artifacts:write', 'comments:write'] as const, createdAt,
        expiresAt: createdAt + 1000, lastUsedAt: null, revokedAt: null,
      });
      await store.createAgentToken({ ...token('t1', 'o', 'u', 1), scopes: ['artifacts:write', 'comments:write'] });
      await store.createAgentToken({ ...token('t2', 'o', 'u', 2), scopes: [] });
      await store.createAgentToken({ ...token('t3', 'o', 'v', 3), scopes: ['comments:write'] });
      await store.createAgentToken({ ...token('t4', 'p', 'u', 4), scopes: ['artifacts:write'] });
      await expect(store.createAgentToken({ ...token('t5', 'o', 'u', 5), tokenHash: 'hash-t1', scopes: [] })).rejects.toThrow();
      expect((await store.listAgentTokens({ orgId: 'o' })).map((t) => t.id)).toEqual(['t3', 't2', 't1']);
      expect((await store.listAgentTokens({ orgId: 'o', userId: 'u' })).map((t) => t.id)).toEqual(['t2', 't1']);
      expect(await store.getAgentToken('t1')).toEqual({
        id: 't1', orgId: 'o', userId: 'u', name: 't1', tokenHash: 'hash-t1', scopes: ['artifacts:write', 'comments:write'],
        createdAt: 1, expiresAt: 1001, lastUsedAt: null, revokedAt: null,
      });
      expect((await store.getAgentToken('t2'))!.scopes).toEqual([]);
      expect(await store.getAgentToken('nope')).toBeNull();
      expect(await store.getAgentTokenByHash('nope')).toBeNull();
      expect((await store.revokeAgentTokensOf('o', 'u', 9)).sort()).toEqual(['t1', 't2']);
      expect(await store.revokeAgentTokensOf('o', 'u', 10)).toEqual([]);
      expect(await store.getAgentToken('t4')).toMatchObject({ revokedAt: null });
      expect(await store.getAgentToken('t3')).toMatchObject({ revokedAt: null });
      expect(await store.revokeAgentToken('nope', 1)).toBe(false);
    });

    it('keeps invitations: get by id and secret, pending ones newest first', async () => {
      await store.createOrg({ id: 'o', name: 'Org', createdAt: 1 });
      await store.createUser({ id: 'u', email: 'u@example.com', name: 'U', passwordHash: null, createdAt: 1 });
      const invitation = { orgId: 'o', role: 'admin' as const, createdBy: 'x', expiresAt: 100, acceptedAt: null, acceptedBy: null, revokedAt: null };
      await store.createInvitation({ ...invitation, id: 'i1', secretHash: 'h1', email: 'a@example.com', createdAt: 1 });
      await store.createInvitation({ ...invitation, id: 'i2', secretHash: 'h2', email: null, createdAt: 2 });
      await store.createInvitation({ ...invitation, id: 'i3', secretHash: 'h3', email: null, createdAt: 3, expiresAt: 10 });
      expect(await store.getInvitation('i1')).toEqual({ ...invitation, id: 'i1', secretHash: 'h1', email: 'a@example.com', createdAt: 1 });
      expect(await store.getInvitation('nope')).toBeNull();
      expect(await store.getInvitationBySecretHash('nope')).toBeNull();
      expect((await store.listPendingInvitations('o', 50)).map((i) => i.id)).toEqual(['i2', 'i1']);
      // Accepting never lowers a role someone already has.
      await store.putMembership({ orgId: 'o', userId: 'u', role: 'owner', createdAt: 1 });
      expect(await store.acceptInvitation('i1', 'u', 20)).toBe(true);
      expect(await store.getMembership('o', 'u')).toMatchObject({ role: 'owner' });
      expect(await store.getInvitation('i1')).toMatchObject({ acceptedAt: 20, acceptedBy: 'u' });
      expect(await store.revokeInvitation('i1', 30)).toBe(false);
      expect(await store.acceptInvitation('nope', 'u', 20)).toBe(false);
    });

    it('filters artifacts by kind, session and status, and renames through touchArtifact', async () => {
      await store.createOrg({ id: 'o', name: 'Org', createdAt: 1 });
      const base = { orgId: 'o', project: 'p', createdBy: 'u', status: 'published' as const, visibility: 'org' as const };
      await store.createArtifact({ ...base, id: 'a', title: 'A', session: 's1', kind: 'page', createdAt: 1 });
      await store.createArtifact({ ...base, id: 'b', title: 'B', session: 's2', kind: 'diagram', createdAt: 2, publishedAt: 2, publishedBy: 'u' });
      await store.createArtifact({ ...base, id: 'c', title: 'C', session: 's1', kind: 'page', createdAt: 3, status: 'draft' });
      const viewer = { userId: 'u', isAdmin: false };
      expect((await store.listArtifacts({ orgId: 'o', viewer, limit: 10, kind: 'diagram' })).items.map((a) => a.id)).toEqual(['b']);
      expect((await store.listArtifacts({ orgId: 'o', viewer, limit: 10, session: 's1' })).items.map((a) => a.id)).toEqual(['c', 'a']);
      expect((await store.listArtifacts({ orgId: 'o', viewer, limit: 10, status: 'published' })).items.map((a) => a.id)).toEqual(['b', 'a']);
      expect((await store.listArtifacts({ orgId: 'o', viewer, limit: 10, q: 'b' })).items.map((a) => a.id)).toEqual(['b']);
      expect(await store.getArtifact('b')).toMatchObject({ publishedAt: 2, publishedBy: 'u', sizeBytes: 0, updatedAt: 2, legalHold: false, members: [] });
      await store.touchArtifact('a', { updatedAt: 10, title: 'Renamed' });
      expect(await store.getArtifact('a')).toMatchObject({ title: 'Renamed', updatedAt: 10, sizeBytes: 0 });
      // Ties on updatedAt page by id, with nothing skipped or repeated.
      for (const id of ['t1', 't2', 't3']) await store.createArtifact({ ...base, id, title: id, session: '', kind: 'page', createdAt: 50 });
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listArtifacts({ orgId: 'o', viewer, limit: 2, cursor });
        seen.push(...page.items.map((a) => a.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['t3', 't2', 't1', 'a', 'c', 'b']);
      expect((await store.listArtifacts({ orgId: 'o', viewer, limit: 10, cursor: 'garbage' })).items).toHaveLength(6);
      expect(await store.updateArtifact('nope', { legalHold: true })).toBeNull();
      expect(await store.getArtifact('nope')).toBeNull();
    });

    it('audits with every filter and keeps one valid chain per organization', async () => {
      const entry = (over: Partial<NewAuditEntry>): NewAuditEntry => ({
        orgId: 'o', at: 1, action: 'a.b', actorKind: 'agent', actorId: null, actorName: 'Agent', artifactId: null, targetType: null,
        targetId: null, targetLabel: null, details: {}, ip: null, userAgent: null, ...over,
      });
      await store.appendAudit(entry({ at: 10, actorId: 'u1', action: 'artifact.create', artifactId: 'x', details: { nested: { z: 1, a: [1, 2] } } }));
      await store.appendAudit(entry({ at: 20, actorId: 'u2', action: 'artifact.view', artifactId: 'x', userAgent: 'curl', ip: '::1', targetType: 't', targetId: 'i', targetLabel: 'l' }));
      await store.appendAudit(entry({ at: 30, actorId: 'u1', action: 'artifact.view', artifactId: 'y' }));
      const seqs = async (query: Partial<Parameters<Store['listAudit']>[0]>) =>
        (await store.listAudit({ orgId: 'o', limit: 10, ...query })).map((e) => e.seq);
      expect(await seqs({ actorId: 'u1' })).toEqual([3, 1]);
      expect(await seqs({ artifactId: 'x' })).toEqual([2, 1]);
      expect(await seqs({ to: 30 })).toEqual([2, 1]);
      expect(await seqs({ from: 20, to: 30 })).toEqual([2]);
      expect(await seqs({ beforeSeq: 3 })).toEqual([2, 1]);
      expect(await seqs({ limit: 1 })).toEqual([3]);
      expect(await seqs({ action: 'artifact.view', actorId: 'u1' })).toEqual([3]);
      const second = (await store.listAudit({ orgId: 'o', beforeSeq: 3, limit: 1 }))[0];
      expect(second).toMatchObject({ seq: 2, userAgent: 'curl', ip: '::1', targetType: 't', targetId: 'i', targetLabel: 'l', actorKind: 'agent' });
      const verifier = new ChainVerifier();
      for (const record of await store.readAuditChain('o', 0, 100)) verifier.push(record);
      expect(verifier.verdict()).toMatchObject({ ok: true, entries: 3 });
      expect((await store.readAuditChain('o', 0, 1)).map((e) => e.seq)).toEqual([1]);
      expect((await store.readAuditChain('o', 0, 1))[0].details).toEqual({ nested: { z: 1, a: [1, 2] } });
    });

    it('sets, overwrites and deletes settings', async () => {
      expect(await store.getSetting('k')).toBeNull();
      await store.setSetting('k', 'v');
      expect(typeof (await store.deleteSetting('k'))).toBe('boolean');
      expect(await store.getSetting('k')).toBeNull();
      expect(await store.deleteSetting('never-set')).toBe(true);
    });

    it('hands out a lease with a fencing token that grows on every handover, never on renewal', async () => {
      expect(await store.acquireLease('job', 'a', 1000, 0)).toBe(1);
      expect(await store.acquireLease('job', 'a', 1000, 500)).toBe(1);
      expect(await store.acquireLease('job', 'b', 1000, 1400)).toBeNull();
      // a renewed at 500 until 1500; expired at 1500.
      expect(await store.acquireLease('job', 'b', 1000, 1500)).toBe(2);
      expect(await store.acquireLease('job', 'a', 1000, 1600)).toBeNull();
      await store.releaseLease('job', 'a');
      expect(await store.acquireLease('job', 'a', 1000, 1700)).toBeNull();
      await store.releaseLease('job', 'b');
      expect(await store.acquireLease('job', 'a', 1000, 1700)).toBe(3);
      expect(await store.acquireLease('other', 'a', 1000, 0)).toBe(1);
    });

    it('runs work under one key one at a time, other keys alongside, and frees the key after a failure', async () => {
      const events: string[] = [];
      const hold = gate();
      const first = store.withLock('k', async () => {
        events.push('first in');
        await hold.promise;
        events.push('first out');
        return 1;
      });
      const second = store.withLock('k', async () => {
        events.push('second in');
        return 2;
      });
      // Another key is not blocked by the held one.
      expect(await store.withLock('other', async () => 'free')).toBe('free');
      hold.open();
      expect(await Promise.all([first, second])).toEqual([1, 2]);
      expect(events).toEqual(['first in', 'first out', 'second in']);
      await expect(store.withLock('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await store.withLock('k', async () => 'after')).toBe('after');
      // Read-modify-write under the lock never loses an increment.
      await store.setSetting('n', '0');
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.withLock('counter', async () => {
            const n = Number(await store.getSetting('n'));
            await store.setSetting('n', String(n + 1));
          }),
        ),
      );
      expect(await store.getSetting('n')).toBe('20');
    });

    it('lets a unit opened under withLock(k) take tx.lock(k) without waiting on itself', async () => {
      const result = await store.withLock('same', () =>
        store.transaction(async (tx) => {
          await tx.lock('same');
          await tx.setSetting('nested', 'ok');
          return 'done';
        }),
      );
      expect(result).toBe('done');
      expect(await store.getSetting('nested')).toBe('ok');
    });

    it('commits a transaction\'s writes together, the review layer\'s too', async () => {
      const result = await store.transaction(async (tx) => {
        await tx.lock('unit');
        await tx.createOrg({ id: 'o', name: 'Org', createdAt: 1 });
        await tx.appendAudit({
          orgId: 'o', at: 1, action: 'org.create', actorKind: 'system', actorId: null, actorName: 'system', artifactId: null,
          targetType: null, targetId: null, targetLabel: null, details: {}, ip: null, userAgent: null,
        });
        const [seq] = await tx.appendUpdates([{ docName: 'doc', data: bytes(1) }]);
        await tx.review.addReview({ id: 'r', artifactId: 'art', orgId: 'o', version: 1, verdict: 'approve', summary: '', reviewer: { kind: 'user', id: 'u', name: 'U' }, createdAt: 1 });
        // Reads inside the unit see its own writes.
        expect(await tx.getOrg('o')).not.toBeNull();
        expect(await tx.latestSeq('doc')).toBe(seq);
        return seq;
      });
      expect(await store.latestSeq('doc')).toBe(result);
      expect(await store.getOrg('o')).not.toBeNull();
      expect(await store.readAuditChain('o', 0, 10)).toHaveLength(1);
      expect(await store.review.listReviews('art')).toHaveLength(1);
    });

    it('rolls a failed transaction back entirely, leaving outside writes made meanwhile alone', async () => {
      let outside: Promise<void> | undefined;
      await expect(
        store.transaction(async (tx) => {
          await tx.createOrg({ id: 'o', name: 'Org', createdAt: 1 });
          await tx.appendUpdates([{ docName: 'doc', data: bytes(1) }]);
          await tx.appendAudit({
            orgId: 'o', at: 1, action: 'x', actorKind: 'system', actorId: null, actorName: 'system', artifactId: null,
            targetType: null, targetId: null, targetLabel: null, details: {}, ip: null, userAgent: null,
          });
          await tx.review.addReview({ id: 'r', artifactId: 'art', orgId: 'o', version: 1, verdict: 'approve', summary: '', reviewer: { kind: 'user', id: 'u', name: 'U' }, createdAt: 1 });
          await tx.setSetting('inside', '1');
          outside = store.setSetting('outside', '1');
          throw new Error('abandon');
        }),
      ).rejects.toThrow('abandon');
      await outside;
      expect(await store.getOrg('o')).toBeNull();
      expect(await store.loadDoc('doc')).toMatchObject({ updates: [], lastSeq: 0 });
      expect(await store.latestSeq('doc')).toBe(0);
      expect(await store.readAuditChain('o', 0, 10)).toEqual([]);
      expect(await store.review.listReviews('art')).toEqual([]);
      expect(await store.getSetting('inside')).toBeNull();
      expect(await store.getSetting('outside')).toBe('1');
      // The audit chain starts at 1 again: nothing of the rolled-back entry is left.
      await store.createOrg({ id: 'o', name: 'Org', createdAt: 1 });
      const entry = await store.appendAudit({
        orgId: 'o', at: 2, action: 'y', actorKind: 'system', actorId: null, actorName: 'system', artifactId: null,
        targetType: null, targetId: null, targetLabel: null, details: {}, ip: null, userAgent: null,
      });
      expect(entry.seq).toBe(1);
    });

    it('lets a transaction catch a failed write and still commit the rest', async () => {
      await store.appendVersion(version('art', 1, true, [1]));
      await store.transaction(async (tx) => {
        await tx.setSetting('before', '1');
        await expect(tx.appendVersion(version('art', 1, true, [2]))).rejects.toThrow();
        await tx.appendVersion(version('art', 2, false, [2]));
        await tx.setSetting('after', '1');
      });
      expect(await store.getSetting('before')).toBe('1');
      expect(await store.getSetting('after')).toBe('1');
      expect((await store.listVersions('art')).map((v) => v.n)).toEqual([2, 1]);
    });

    it('runs concurrent calls on one transaction in call order', async () => {
      await store.transaction(async (tx) => {
        const seqs = await Promise.all(Array.from({ length: 10 }, (_, i) => tx.appendUpdates([{ docName: 'p', data: bytes(i) }])));
        const flat = seqs.map(([seq]) => seq);
        expect([...flat].sort((a, b) => a - b)).toEqual(flat);
      });
      expect((await store.loadDoc('p')).updates.map((u) => u[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('answers every call after close with an error, not a hang', async () => {
      await store.close();
      await expect(store.getSetting('k')).rejects.toThrow();
      await store.close();
    });
  });
}

describe('store contract: sqlite transactions hold the one connection', () => {
  const sqlite = backends.find((b) => b.name === 'sqlite')!;

  it('makes calls from outside an open unit wait for its end, so they never join it', async () => {
    const { store, cleanup } = await sqlite.open();
    try {
      let outside: Promise<void> | undefined;
      let outsideReview: Promise<void> | undefined;
      await store.transaction(async (tx) => {
        outside = store.setSetting('outside', '1');
        outsideReview = store.review.addReview({
          id: 'r', artifactId: 'art', orgId: 'o', version: 1, verdict: 'comment', summary: '', reviewer: { kind: 'user', id: 'u', name: 'U' }, createdAt: 1,
        });
        // The outside calls have not run: the unit sees none of them.
        expect(await tx.getSetting('outside')).toBeNull();
        expect(await tx.review.listReviews('art')).toEqual([]);
        await tx.setSetting('inside', '1');
      });
      await Promise.all([outside, outsideReview]);
      expect(await store.getSetting('outside')).toBe('1');
      expect(await store.getSetting('inside')).toBe('1');
      expect(await store.review.listReviews('art')).toHaveLength(1);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('runs units one after another: read-modify-write in concurrent units loses nothing', async () => {
    const { store, cleanup } = await sqlite.open();
    try {
      await store.setSetting('n', '0');
      await Promise.all(
        Array.from({ length: 10 }, () =>
          store.transaction(async (tx) => {
            await tx.lock('n');
            const n = Number(await tx.getSetting('n'));
            await Promise.resolve();
            await tx.setSetting('n', String(n + 1));
          }),
        ),
      );
      expect(await store.getSetting('n')).toBe('10');
    } finally {
      await store.close();
      await cleanup();
    }
  });
});

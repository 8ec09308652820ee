import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../lib/store/types';
import type { CommentRecord, NotificationRecord, ThreadRecord } from '../../lib/store/review-types';
import type { AnchorView, CommentBody, ReviewActor } from '../../lib/review/types';
import { backends } from './backends';

/** The review layer's storage contract: every ReviewStore method, on every backend. */
const alice: ReviewActor = { kind: 'user', id: 'alice', name: 'Alice' };
const bot: ReviewActor = { kind: 'agent', id: 'tok', name: 'Bot' };
const body = (text: string) => ({ v: 1, blocks: [{ type: 'paragraph', children: [{ type: 'text', text }] }] }) as unknown as CommentBody;
const anchor = { kind: 'text', selector: 'p:nth-of-type(1)', quote: 'hello', source: '<p>hello</p>', sourceHash: '0123456789abcdef' } as unknown as AnchorView;

const thread = (id: string, over: Partial<ThreadRecord> = {}): ThreadRecord => ({
  id, artifactId: 'art', orgId: 'org', anchor, version: 2, status: 'open', author: alice, authorUserId: 'alice',
  createdAt: 100, updatedAt: 100, resolvedBy: null, resolvedAt: null, addressed: null, ...over,
});
const comment = (id: string, threadId: string, over: Partial<CommentRecord> = {}): CommentRecord => ({
  id, threadId, artifactId: 'art', author: alice, authorUserId: 'alice', body: body(id), text: id, mentions: [],
  createdAt: 100, editedAt: null, deletedAt: null, edits: 0, ...over,
});
const notification = (id: string, over: Partial<NotificationRecord> = {}): NotificationRecord => ({
  id, userId: 'bob', orgId: 'org', kind: 'mention', artifactId: 'art', threadId: 't1', commentId: 'c1', actor: alice,
  excerpt: 'hi', verdict: null, version: null, createdAt: 100, readAt: null, ...over,
});

for (const backend of backends) {
  describe(`review store contract: ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void> | void;
    beforeEach(async () => {
      ({ store, cleanup } = await backend.open());
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('stores a thread with its first comment, lists and counts threads in creation order', async () => {
      const r = store.review;
      await r.createThread(thread('t2', { createdAt: 200, updatedAt: 200, anchor: null, version: null }), comment('c2', 't2', { createdAt: 200 }));
      await r.createThread(thread('t1'), comment('c1', 't1', { mentions: ['bob', 'agent'] }));
      await r.createThread(thread('t0', { artifactId: 'other' }), comment('c0', 't0', { artifactId: 'other' }));
      expect(await r.getThread('t1')).toEqual(thread('t1'));
      expect(await r.getThread('nope')).toBeNull();
      expect((await r.getThread('t2'))!.anchor).toBeNull();
      expect((await r.listThreads('art')).map((t) => t.id)).toEqual(['t1', 't2']);
      expect(await r.countThreads('art')).toBe(2);
      expect(await r.countThreads('none')).toBe(0);
      expect(await r.getComment('c1')).toEqual(comment('c1', 't1', { mentions: ['bob', 'agent'] }));
      expect(await r.getComment('nope')).toBeNull();
      // Both or neither: a thread whose first comment fails is not stored.
      await expect(r.createThread(thread('t3'), comment('c1', 't3'))).rejects.toThrow();
      expect(await r.getThread('t3')).toBeNull();
    });

    it('updates a thread\'s status, resolution and addressed note, leaving other fields alone', async () => {
      const r = store.review;
      await r.createThread(thread('t1'), comment('c1', 't1'));
      await r.updateThread('t1', { status: 'resolved', resolvedBy: bot, resolvedAt: 300, updatedAt: 300 });
      expect(await r.getThread('t1')).toEqual(thread('t1', { status: 'resolved', resolvedBy: bot, resolvedAt: 300, updatedAt: 300 }));
      const addressed = { version: 3, by: bot, at: 400, note: 'fixed' };
      await r.updateThread('t1', { addressed, status: 'open', resolvedBy: null, resolvedAt: null });
      expect(await r.getThread('t1')).toMatchObject({ status: 'open', resolvedBy: null, resolvedAt: null, addressed, updatedAt: 300 });
      await r.updateThread('t1', {});
      await r.updateThread('t1', { addressed: null });
      expect((await r.getThread('t1'))!.addressed).toBeNull();
    });

    it('adds replies (bumping the thread, never back in time) and lists them per thread and per artifact', async () => {
      const r = store.review;
      await r.createThread(thread('t1'), comment('c1', 't1'));
      await r.createThread(thread('t2', { createdAt: 150, updatedAt: 150 }), comment('c2', 't2', { createdAt: 150 }));
      await r.addComment(comment('c3', 't1', { createdAt: 300, author: bot, authorUserId: 'owner' }));
      expect((await r.getThread('t1'))!.updatedAt).toBe(300);
      await r.addComment(comment('c4', 't1', { createdAt: 250 }));
      expect((await r.getThread('t1'))!.updatedAt).toBe(300);
      expect((await r.listComments('t1')).map((c) => c.id)).toEqual(['c1', 'c4', 'c3']);
      expect((await r.listComments('t1'))[2]).toEqual(comment('c3', 't1', { createdAt: 300, author: bot, authorUserId: 'owner' }));
      expect((await r.listCommentsOfArtifact('art')).map((c) => c.id)).toEqual(['c1', 'c2', 'c4', 'c3']);
      expect(await r.countComments('t1')).toBe(3);
      expect(await r.countComments('none')).toBe(0);
    });

    it('edits a comment keeping each replaced body as a numbered revision', async () => {
      const r = store.review;
      await r.createThread(thread('t1'), comment('c1', 't1'));
      const first = await r.editComment('c1', { body: body('second'), text: 'second', mentions: ['bob'], at: 200 });
      expect(first).toEqual(comment('c1', 't1', { body: body('second'), text: 'second', mentions: ['bob'], editedAt: 200, edits: 1 }));
      await r.editComment('c1', { body: body('third'), text: 'third', mentions: [], at: 300 });
      expect((await r.getThread('t1'))!.updatedAt).toBe(300);
      expect(await r.listCommentRevisions('c1')).toEqual([
        { commentId: 'c1', n: 1, body: body('c1'), text: 'c1', replacedAt: 200 },
        { commentId: 'c1', n: 2, body: body('second'), text: 'second', replacedAt: 300 },
      ]);
      expect(await r.editComment('nope', { body: body('x'), text: 'x', mentions: [], at: 1 })).toBeNull();
    });

    it('deletes a comment as a tombstone: body, history and reactions gone, row kept, no more edits', async () => {
      const r = store.review;
      await r.createThread(thread('t1'), comment('c1', 't1'));
      await r.editComment('c1', { body: body('v2'), text: 'v2', mentions: ['bob'], at: 200 });
      await r.setReaction({ commentId: 'c1', artifactId: 'art', userId: 'bob', userName: 'Bob', reaction: '+1', createdAt: 210 }, true);
      await r.deleteComment('c1', 300);
      const tomb = await r.getComment('c1');
      expect(tomb).toMatchObject({ text: '', mentions: [], deletedAt: 300, edits: 1, body: { v: 1, blocks: [] } });
      expect(await r.listCommentRevisions('c1')).toEqual([]);
      expect(await r.listReactions('art')).toEqual([]);
      expect(await r.editComment('c1', { body: body('again'), text: 'again', mentions: [], at: 400 })).toBeNull();
      expect(await r.countComments('t1')).toBe(1);
    });

    it('deletes a thread with its comments, their revisions and reactions', async () => {
      const r = store.review;
      await r.createThread(thread('t1'), comment('c1', 't1'));
      await r.createThread(thread('t2'), comment('c2', 't2'));
      await r.editComment('c1', { body: body('v2'), text: 'v2', mentions: [], at: 200 });
      await r.setReaction({ commentId: 'c1', artifactId: 'art', userId: 'bob', userName: 'Bob', reaction: 'heart', createdAt: 1 }, true);
      await r.setReaction({ commentId: 'c2', artifactId: 'art', userId: 'bob', userName: 'Bob', reaction: 'heart', createdAt: 2 }, true);
      await r.deleteThread('t1');
      expect(await r.getThread('t1')).toBeNull();
      expect(await r.getComment('c1')).toBeNull();
      expect(await r.listCommentRevisions('c1')).toEqual([]);
      expect((await r.listReactions('art')).map((x) => x.commentId)).toEqual(['c2']);
      expect(await r.countThreads('art')).toBe(1);
    });

    it('sets and clears reactions idempotently, one per person and kind', async () => {
      const r = store.review;
      const reaction = { commentId: 'c1', artifactId: 'art', userId: 'bob', userName: 'Bob', reaction: '+1' as const, createdAt: 10 };
      await r.setReaction(reaction, true);
      await r.setReaction({ ...reaction, createdAt: 11 }, true);
      await r.setReaction({ ...reaction, reaction: 'eyes', createdAt: 20 }, true);
      await r.setReaction({ ...reaction, userId: 'carol', userName: 'Carol', createdAt: 30 }, true);
      await r.setReaction({ ...reaction, artifactId: 'other', commentId: 'c9', createdAt: 5 }, true);
      expect(await r.listReactions('art')).toEqual([
        reaction,
        { ...reaction, reaction: 'eyes', createdAt: 20 },
        { ...reaction, userId: 'carol', userName: 'Carol', createdAt: 30 },
      ]);
      await r.setReaction(reaction, false);
      await r.setReaction(reaction, false);
      expect((await r.listReactions('art')).map((x) => `${x.userId}:${x.reaction}`)).toEqual(['bob:eyes', 'carol:+1']);
    });

    it('keeps reviews in order', async () => {
      const r = store.review;
      const review = { artifactId: 'art', orgId: 'org', version: 1, verdict: 'approve' as const, summary: 'ok', reviewer: alice, createdAt: 10 };
      await r.addReview({ ...review, id: 'r2', createdAt: 20, verdict: 'request_changes', summary: 'no', reviewer: bot });
      await r.addReview({ ...review, id: 'r1' });
      await r.addReview({ ...review, id: 'r0', artifactId: 'other' });
      expect(await r.listReviews('art')).toEqual([
        { ...review, id: 'r1' },
        { ...review, id: 'r2', createdAt: 20, verdict: 'request_changes', summary: 'no', reviewer: bot },
      ]);
      await expect(r.addReview({ ...review, id: 'r1' })).rejects.toThrow();
    });

    it('keeps each person\'s inbox: newest first with a cursor, unread counts, marking read', async () => {
      const r = store.review;
      await r.addNotifications([]);
      await r.addNotifications([
        notification('n1', { createdAt: 100 }),
        notification('n2', { createdAt: 200, kind: 'status', verdict: 'approve', version: 3, threadId: null, commentId: null }),
        notification('n3', { createdAt: 200 }),
        notification('n4', { createdAt: 300, orgId: 'other-org' }),
        notification('n5', { createdAt: 400, userId: 'carol' }),
      ]);
      const ids = async (query: Partial<Parameters<Store['review']['listNotifications']>[0]> = {}) =>
        (await r.listNotifications({ userId: 'bob', orgId: 'org', limit: 10, ...query })).map((n) => n.id);
      expect(await ids()).toEqual(['n3', 'n2', 'n1']);
      expect(await ids({ limit: 2 })).toEqual(['n3', 'n2']);
      expect(await ids({ before: { createdAt: 200, id: 'n3' } })).toEqual(['n2', 'n1']);
      expect(await ids({ before: { createdAt: 200, id: 'n2' } })).toEqual(['n1']);
      expect(await ids({ before: null })).toEqual(['n3', 'n2', 'n1']);
      expect((await r.listNotifications({ userId: 'bob', orgId: 'org', limit: 10 }))[1]).toEqual(
        notification('n2', { createdAt: 200, kind: 'status', verdict: 'approve', version: 3, threadId: null, commentId: null }),
      );
      expect(await r.countUnread('bob', 'org')).toBe(3);
      // Only the reader's own entries change, each once.
      expect(await r.markNotificationsRead('bob', 'org', ['n1', 'n1', 'n5', 'missing'], 500)).toBe(1);
      expect(await r.markNotificationsRead('bob', 'org', ['n1'], 600)).toBe(0);
      expect(await r.countUnread('bob', 'org')).toBe(2);
      expect(await ids({ unreadOnly: true })).toEqual(['n3', 'n2']);
      expect(await r.markNotificationsRead('bob', 'org', 'all', 700)).toBe(2);
      expect(await r.countUnread('bob', 'org')).toBe(0);
      expect(await r.countUnread('bob', 'other-org')).toBe(1);
      expect(await r.countUnread('carol', 'org')).toBe(1);
      expect((await r.listNotifications({ userId: 'bob', orgId: 'org', limit: 10 })).find((n) => n.id === 'n1')!.readAt).toBe(500);
      expect(await r.markNotificationsRead('bob', 'org', [], 800)).toBe(0);
      // A batch with a duplicate id stores none of it.
      await expect(r.addNotifications([notification('n6'), notification('n1')])).rejects.toThrow();
      expect(await ids()).toEqual(['n3', 'n2', 'n1']);
    });

    it('purges everything of one artifact\'s review layer and nothing of another\'s', async () => {
      const r = store.review;
      for (const artifactId of ['art', 'keep']) {
        await r.createThread(thread(`t-${artifactId}`, { artifactId }), comment(`c-${artifactId}`, `t-${artifactId}`, { artifactId }));
        await r.editComment(`c-${artifactId}`, { body: body('v2'), text: 'v2', mentions: [], at: 200 });
        await r.setReaction({ commentId: `c-${artifactId}`, artifactId, userId: 'bob', userName: 'Bob', reaction: '+1', createdAt: 1 }, true);
        await r.addReview({ id: `r-${artifactId}`, artifactId, orgId: 'org', version: 1, verdict: 'comment', summary: '', reviewer: alice, createdAt: 1 });
        await r.addNotifications([notification(`n-${artifactId}`, { artifactId })]);
      }
      await r.purgeArtifact('art');
      expect(await r.listThreads('art')).toEqual([]);
      expect(await r.listCommentsOfArtifact('art')).toEqual([]);
      expect(await r.listCommentRevisions('c-art')).toEqual([]);
      expect(await r.listReactions('art')).toEqual([]);
      expect(await r.listReviews('art')).toEqual([]);
      expect((await r.listNotifications({ userId: 'bob', orgId: 'org', limit: 10 })).map((n) => n.id)).toEqual(['n-keep']);
      expect(await r.countThreads('keep')).toBe(1);
      expect(await r.listCommentRevisions('c-keep')).toHaveLength(1);
      expect(await r.listReactions('keep')).toHaveLength(1);
      expect(await r.listReviews('keep')).toHaveLength(1);
      // The store's purge takes the review layer with it.
      await store.purgeArtifact('keep', []);
      expect(await r.countThreads('keep')).toBe(0);
      expect(await r.listReviews('keep')).toEqual([]);
    });
  });
}

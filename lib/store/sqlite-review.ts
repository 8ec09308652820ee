import type Database from 'better-sqlite3';
import type { CommentBody } from '../review/types';
import type {
  CommentRecord,
  CommentRevisionRecord,
  NotificationQuery,
  NotificationRecord,
  ReactionRecord,
  ReviewRecord,
  ReviewStore,
  ThreadRecord,
} from './review-types';
import { type Row, json, toComment, toNotification, toReaction, toReview, toRevision, toThread } from './review-rows';


/** The review layer on the same SQLite database (schema: migration 5 in sqlite-schema.ts). */
export class SqliteReviewStore implements ReviewStore {
  private readonly stmts;
  private readonly createThreadTx: (thread: ThreadRecord, first: CommentRecord) => void;
  private readonly addCommentTx: (comment: CommentRecord) => void;
  private readonly editCommentTx: (id: string, patch: { body: CommentBody; text: string; mentions: string[]; at: number }) => boolean;
  private readonly purgeTx: (artifactId: string) => void;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      insertThread: db.prepare(
        `INSERT INTO review_threads (id, artifact_id, org_id, anchor, version, status, author, author_user_id, created_at, updated_at,
           resolved_by, resolved_at, addressed)
         VALUES (@id, @artifactId, @orgId, @anchor, @version, @status, @author, @authorUserId, @createdAt, @updatedAt,
           @resolvedBy, @resolvedAt, @addressed)`,
      ),
      getThread: db.prepare('SELECT * FROM review_threads WHERE id = ?'),
      listThreads: db.prepare('SELECT * FROM review_threads WHERE artifact_id = ? ORDER BY created_at, id'),
      countThreads: db.prepare('SELECT COUNT(*) AS n FROM review_threads WHERE artifact_id = ?'),
      deleteThread: db.prepare('DELETE FROM review_threads WHERE id = ?'),
      deleteThreadComments: db.prepare('DELETE FROM review_comments WHERE thread_id = ?'),
      insertComment: db.prepare(
        `INSERT INTO review_comments (id, thread_id, artifact_id, author, author_user_id, body, text, mentions, created_at, edited_at,
           deleted_at, edits)
         VALUES (@id, @threadId, @artifactId, @author, @authorUserId, @body, @text, @mentions, @createdAt, @editedAt, @deletedAt, @edits)`,
      ),
      touchThread: db.prepare('UPDATE review_threads SET updated_at = MAX(updated_at, ?) WHERE id = ?'),
      getComment: db.prepare('SELECT * FROM review_comments WHERE id = ?'),
      listComments: db.prepare('SELECT * FROM review_comments WHERE thread_id = ? ORDER BY created_at, id'),
      listCommentsOfArtifact: db.prepare('SELECT * FROM review_comments WHERE artifact_id = ? ORDER BY created_at, id'),
      countComments: db.prepare('SELECT COUNT(*) AS n FROM review_comments WHERE thread_id = ?'),
      insertRevision: db.prepare(
        'INSERT INTO review_comment_revisions (comment_id, n, body, text, replaced_at) VALUES (?, ?, ?, ?, ?)',
      ),
      updateComment: db.prepare(
        'UPDATE review_comments SET body = @body, text = @text, mentions = @mentions, edited_at = @at, edits = edits + 1 WHERE id = @id',
      ),
      deleteComment: db.prepare(
        `UPDATE review_comments SET body = '{"v":1,"blocks":[]}', text = '', mentions = '[]', deleted_at = ? WHERE id = ?`,
      ),
      deleteRevisions: db.prepare('DELETE FROM review_comment_revisions WHERE comment_id = ?'),
      listRevisions: db.prepare('SELECT * FROM review_comment_revisions WHERE comment_id = ? ORDER BY n'),
      insertReaction: db.prepare(
        `INSERT OR IGNORE INTO review_reactions (comment_id, artifact_id, user_id, user_name, reaction, created_at)
         VALUES (@commentId, @artifactId, @userId, @userName, @reaction, @createdAt)`,
      ),
      deleteReaction: db.prepare('DELETE FROM review_reactions WHERE comment_id = ? AND user_id = ? AND reaction = ?'),
      listReactions: db.prepare('SELECT * FROM review_reactions WHERE artifact_id = ? ORDER BY created_at'),
      insertReview: db.prepare(
        `INSERT INTO reviews (id, artifact_id, org_id, version, verdict, summary, reviewer, created_at)
         VALUES (@id, @artifactId, @orgId, @version, @verdict, @summary, @reviewer, @createdAt)`,
      ),
      listReviews: db.prepare('SELECT * FROM reviews WHERE artifact_id = ? ORDER BY created_at, id'),
      insertNotification: db.prepare(
        `INSERT INTO notifications (id, user_id, org_id, kind, artifact_id, thread_id, comment_id, actor, excerpt, verdict, version,
           created_at, read_at)
         VALUES (@id, @userId, @orgId, @kind, @artifactId, @threadId, @commentId, @actor, @excerpt, @verdict, @version, @createdAt, @readAt)`,
      ),
      countUnread: db.prepare('SELECT COUNT(*) AS n FROM notifications WHERE user_id = ? AND org_id = ? AND read_at IS NULL'),
      markAllRead: db.prepare('UPDATE notifications SET read_at = ? WHERE user_id = ? AND org_id = ? AND read_at IS NULL'),
      markRead: db.prepare('UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND org_id = ? AND read_at IS NULL'),
    };
    this.createThreadTx = db.transaction((thread: ThreadRecord, first: CommentRecord) => {
      this.stmts.insertThread.run(threadParams(thread));
      this.stmts.insertComment.run(commentParams(first));
    });
    this.addCommentTx = db.transaction((comment: CommentRecord) => {
      this.stmts.insertComment.run(commentParams(comment));
      this.stmts.touchThread.run(comment.createdAt, comment.threadId);
    });
    this.editCommentTx = db.transaction((id: string, patch: { body: CommentBody; text: string; mentions: string[]; at: number }) => {
      const row = this.stmts.getComment.get(id) as Row | undefined;
      if (!row || row.deleted_at !== null) return false;
      this.stmts.insertRevision.run(id, Number(row.edits) + 1, row.body, row.text, patch.at);
      this.stmts.updateComment.run({ id, body: JSON.stringify(patch.body), text: patch.text, mentions: JSON.stringify(patch.mentions), at: patch.at });
      this.stmts.touchThread.run(patch.at, row.thread_id);
      return true;
    });
    this.purgeTx = db.transaction((artifactId: string) => {
      db.prepare(
        'DELETE FROM review_comment_revisions WHERE comment_id IN (SELECT id FROM review_comments WHERE artifact_id = ?)',
      ).run(artifactId);
      for (const table of ['review_reactions', 'review_comments', 'review_threads', 'reviews', 'notifications']) {
        db.prepare(`DELETE FROM ${table} WHERE artifact_id = ?`).run(artifactId);
      }
    });
  }

  async createThread(thread: ThreadRecord, first: CommentRecord): Promise<void> {
    this.createThreadTx(thread, first);
  }

  async getThread(id: string): Promise<ThreadRecord | null> {
    const row = this.stmts.getThread.get(id) as Row | undefined;
    return row ? toThread(row) : null;
  }

  async listThreads(artifactId: string): Promise<ThreadRecord[]> {
    return (this.stmts.listThreads.all(artifactId) as Row[]).map(toThread);
  }

  async countThreads(artifactId: string): Promise<number> {
    return Number((this.stmts.countThreads.get(artifactId) as Row).n);
  }

  async updateThread(
    id: string,
    patch: Partial<Pick<ThreadRecord, 'status' | 'resolvedBy' | 'resolvedAt' | 'addressed' | 'updatedAt'>>,
  ): Promise<void> {
    const columns: Record<string, [string, (value: unknown) => unknown]> = {
      status: ['status', (v) => v],
      resolvedBy: ['resolved_by', json],
      resolvedAt: ['resolved_at', (v) => v],
      addressed: ['addressed', json],
      updatedAt: ['updated_at', (v) => v],
    };
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    for (const [key, [column, encode]] of Object.entries(columns)) {
      const value = (patch as Record<string, unknown>)[key];
      if (value === undefined) continue;
      sets.push(`${column} = @${key}`);
      params[key] = encode(value);
    }
    if (sets.length > 0) this.db.prepare(`UPDATE review_threads SET ${sets.join(', ')} WHERE id = @id`).run(params);
  }

  async deleteThread(id: string): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM review_comment_revisions WHERE comment_id IN (SELECT id FROM review_comments WHERE thread_id = ?)').run(id);
      this.db.prepare('DELETE FROM review_reactions WHERE comment_id IN (SELECT id FROM review_comments WHERE thread_id = ?)').run(id);
      this.stmts.deleteThreadComments.run(id);
      this.stmts.deleteThread.run(id);
    })();
  }

  async addComment(comment: CommentRecord): Promise<void> {
    this.addCommentTx(comment);
  }

  async getComment(id: string): Promise<CommentRecord | null> {
    const row = this.stmts.getComment.get(id) as Row | undefined;
    return row ? toComment(row) : null;
  }

  async listComments(threadId: string): Promise<CommentRecord[]> {
    return (this.stmts.listComments.all(threadId) as Row[]).map(toComment);
  }

  async listCommentsOfArtifact(artifactId: string): Promise<CommentRecord[]> {
    return (this.stmts.listCommentsOfArtifact.all(artifactId) as Row[]).map(toComment);
  }

  async countComments(threadId: string): Promise<number> {
    return Number((this.stmts.countComments.get(threadId) as Row).n);
  }

  async editComment(id: string, patch: { body: CommentBody; text: string; mentions: string[]; at: number }): Promise<CommentRecord | null> {
    return this.editCommentTx(id, patch) ? this.getComment(id) : null;
  }

  async deleteComment(id: string, at: number): Promise<void> {
    this.db.transaction(() => {
      this.stmts.deleteComment.run(at, id);
      this.stmts.deleteRevisions.run(id);
      this.db.prepare('DELETE FROM review_reactions WHERE comment_id = ?').run(id);
    })();
  }

  async listCommentRevisions(commentId: string): Promise<CommentRevisionRecord[]> {
    return (this.stmts.listRevisions.all(commentId) as Row[]).map(toRevision);
  }

  async setReaction(reaction: ReactionRecord, on: boolean): Promise<void> {
    if (on) this.stmts.insertReaction.run(reaction);
    else this.stmts.deleteReaction.run(reaction.commentId, reaction.userId, reaction.reaction);
  }

  async listReactions(artifactId: string): Promise<ReactionRecord[]> {
    return (this.stmts.listReactions.all(artifactId) as Row[]).map(toReaction);
  }

  async addReview(review: ReviewRecord): Promise<void> {
    this.stmts.insertReview.run({ ...review, reviewer: JSON.stringify(review.reviewer) });
  }

  async listReviews(artifactId: string): Promise<ReviewRecord[]> {
    return (this.stmts.listReviews.all(artifactId) as Row[]).map(toReview);
  }

  async addNotifications(notifications: NotificationRecord[]): Promise<void> {
    if (notifications.length === 0) return;
    this.db.transaction(() => {
      for (const n of notifications) this.stmts.insertNotification.run({ ...n, actor: JSON.stringify(n.actor) });
    })();
  }

  async listNotifications(query: NotificationQuery): Promise<NotificationRecord[]> {
    const where = ['user_id = @userId', 'org_id = @orgId'];
    if (query.unreadOnly) where.push('read_at IS NULL');
    if (query.before) where.push('(created_at < @beforeAt OR (created_at = @beforeAt AND id < @beforeId))');
    const rows = this.db
      .prepare(`SELECT * FROM notifications WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`)
      .all({
        userId: query.userId,
        orgId: query.orgId,
        beforeAt: query.before?.createdAt ?? null,
        beforeId: query.before?.id ?? null,
        limit: query.limit,
      }) as Row[];
    return rows.map(toNotification);
  }

  async countUnread(userId: string, orgId: string): Promise<number> {
    return Number((this.stmts.countUnread.get(userId, orgId) as Row).n);
  }

  async markNotificationsRead(userId: string, orgId: string, ids: string[] | 'all', at: number): Promise<number> {
    if (ids === 'all') return this.stmts.markAllRead.run(at, userId, orgId).changes;
    let changed = 0;
    this.db.transaction(() => {
      for (const id of ids) changed += this.stmts.markRead.run(at, id, userId, orgId).changes;
    })();
    return changed;
  }

  async purgeArtifact(artifactId: string): Promise<void> {
    this.purgeTx(artifactId);
  }

  /** For the store's own purge transaction (a nested call becomes a savepoint). */
  purgeArtifactNow(artifactId: string): void {
    this.purgeTx(artifactId);
  }
}

function threadParams(thread: ThreadRecord): Row {
  return {
    ...thread,
    anchor: json(thread.anchor),
    author: JSON.stringify(thread.author),
    resolvedBy: json(thread.resolvedBy),
    addressed: json(thread.addressed),
  };
}

function commentParams(comment: CommentRecord): Row {
  return { ...comment, author: JSON.stringify(comment.author), body: JSON.stringify(comment.body), mentions: JSON.stringify(comment.mentions) };
}

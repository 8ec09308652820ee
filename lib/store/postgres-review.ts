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
import type { PgRunner, Queryable } from './postgres';


const EMPTY_BODY = '{"v":1,"blocks":[]}';

/**
 * The review layer on PostgreSQL: the same tables, orderings and semantics as
 * SqliteReviewStore (JSON columns stored as text exactly as SQLite stores them).
 * Runs through its store, so inside a transaction it is part of the unit.
 */
export class PostgresReviewStore implements ReviewStore {
  constructor(private readonly db: PgRunner) {}

  private async read(sql: string, params: unknown[]): Promise<Row[]> {
    return this.db.runSql('read', async (q) => (await q.query(sql, params)).rows);
  }

  private async write(sql: string, params: unknown[]): Promise<number> {
    return this.db.runSql('write', async (q) => (await q.query(sql, params)).rowCount ?? 0);
  }

  async createThread(thread: ThreadRecord, first: CommentRecord): Promise<void> {
    await this.db.runSql('atomic', async (q) => {
      await q.query(
        `INSERT INTO review_threads (id, artifact_id, org_id, anchor, version, status, author, author_user_id, created_at, updated_at,
           resolved_by, resolved_at, addressed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          thread.id,
          thread.artifactId,
          thread.orgId,
          json(thread.anchor),
          thread.version,
          thread.status,
          JSON.stringify(thread.author),
          thread.authorUserId,
          thread.createdAt,
          thread.updatedAt,
          json(thread.resolvedBy),
          thread.resolvedAt,
          json(thread.addressed),
        ],
      );
      await insertComment(q, first);
    });
  }

  async getThread(id: string): Promise<ThreadRecord | null> {
    const [row] = await this.read('SELECT * FROM review_threads WHERE id = $1', [id]);
    return row ? toThread(row) : null;
  }

  async listThreads(artifactId: string): Promise<ThreadRecord[]> {
    return (await this.read('SELECT * FROM review_threads WHERE artifact_id = $1 ORDER BY created_at, id', [artifactId])).map(toThread);
  }

  async countThreads(artifactId: string): Promise<number> {
    return Number((await this.read('SELECT COUNT(*) AS n FROM review_threads WHERE artifact_id = $1', [artifactId]))[0].n);
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
    const params: unknown[] = [id];
    for (const [key, [column, encode]] of Object.entries(columns)) {
      const value = (patch as Record<string, unknown>)[key];
      if (value === undefined) continue;
      params.push(encode(value));
      sets.push(`${column} = $${params.length}`);
    }
    if (sets.length > 0) await this.write(`UPDATE review_threads SET ${sets.join(', ')} WHERE id = $1`, params);
  }

  async deleteThread(id: string): Promise<void> {
    await this.db.runSql('atomic', async (q) => {
      await q.query('DELETE FROM review_comment_revisions WHERE comment_id IN (SELECT id FROM review_comments WHERE thread_id = $1)', [id]);
      await q.query('DELETE FROM review_reactions WHERE comment_id IN (SELECT id FROM review_comments WHERE thread_id = $1)', [id]);
      await q.query('DELETE FROM review_comments WHERE thread_id = $1', [id]);
      await q.query('DELETE FROM review_threads WHERE id = $1', [id]);
    });
  }

  async addComment(comment: CommentRecord): Promise<void> {
    await this.db.runSql('atomic', async (q) => {
      await insertComment(q, comment);
      await q.query('UPDATE review_threads SET updated_at = GREATEST(updated_at, $1) WHERE id = $2', [comment.createdAt, comment.threadId]);
    });
  }

  async getComment(id: string): Promise<CommentRecord | null> {
    const [row] = await this.read('SELECT * FROM review_comments WHERE id = $1', [id]);
    return row ? toComment(row) : null;
  }

  async listComments(threadId: string): Promise<CommentRecord[]> {
    return (await this.read('SELECT * FROM review_comments WHERE thread_id = $1 ORDER BY created_at, id', [threadId])).map(toComment);
  }

  async listCommentsOfArtifact(artifactId: string): Promise<CommentRecord[]> {
    return (await this.read('SELECT * FROM review_comments WHERE artifact_id = $1 ORDER BY created_at, id', [artifactId])).map(toComment);
  }

  async countComments(threadId: string): Promise<number> {
    return Number((await this.read('SELECT COUNT(*) AS n FROM review_comments WHERE thread_id = $1', [threadId]))[0].n);
  }

  async editComment(id: string, patch: { body: CommentBody; text: string; mentions: string[]; at: number }): Promise<CommentRecord | null> {
    const edited = await this.db.runSql('atomic', async (q) => {
      // Locked: two edits at once each keep the body they replaced, as revisions n and n + 1.
      const row = (await q.query('SELECT * FROM review_comments WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (!row || row.deleted_at !== null) return false;
      await q.query('INSERT INTO review_comment_revisions (comment_id, n, body, text, replaced_at) VALUES ($1, $2, $3, $4, $5)', [
        id,
        Number(row.edits) + 1,
        row.body,
        row.text,
        patch.at,
      ]);
      await q.query('UPDATE review_comments SET body = $2, text = $3, mentions = $4, edited_at = $5, edits = edits + 1 WHERE id = $1', [
        id,
        JSON.stringify(patch.body),
        patch.text,
        JSON.stringify(patch.mentions),
        patch.at,
      ]);
      await q.query('UPDATE review_threads SET updated_at = GREATEST(updated_at, $1) WHERE id = $2', [patch.at, row.thread_id]);
      return true;
    });
    return edited ? this.getComment(id) : null;
  }

  async deleteComment(id: string, at: number): Promise<void> {
    await this.db.runSql('atomic', async (q) => {
      await q.query(`UPDATE review_comments SET body = $3, text = '', mentions = '[]', deleted_at = $1 WHERE id = $2`, [at, id, EMPTY_BODY]);
      await q.query('DELETE FROM review_comment_revisions WHERE comment_id = $1', [id]);
      await q.query('DELETE FROM review_reactions WHERE comment_id = $1', [id]);
    });
  }

  async listCommentRevisions(commentId: string): Promise<CommentRevisionRecord[]> {
    const rows = await this.read('SELECT * FROM review_comment_revisions WHERE comment_id = $1 ORDER BY n', [commentId]);
    return rows.map(toRevision);
  }

  async setReaction(reaction: ReactionRecord, on: boolean): Promise<void> {
    if (on) {
      await this.write(
        `INSERT INTO review_reactions (comment_id, artifact_id, user_id, user_name, reaction, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [reaction.commentId, reaction.artifactId, reaction.userId, reaction.userName, reaction.reaction, reaction.createdAt],
      );
    } else {
      await this.write('DELETE FROM review_reactions WHERE comment_id = $1 AND user_id = $2 AND reaction = $3', [
        reaction.commentId,
        reaction.userId,
        reaction.reaction,
      ]);
    }
  }

  async listReactions(artifactId: string): Promise<ReactionRecord[]> {
    const rows = await this.read(
      'SELECT * FROM review_reactions WHERE artifact_id = $1 ORDER BY created_at, comment_id, user_id, reaction',
      [artifactId],
    );
    return rows.map(toReaction);
  }

  async addReview(review: ReviewRecord): Promise<void> {
    await this.write(
      `INSERT INTO reviews (id, artifact_id, org_id, version, verdict, summary, reviewer, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [review.id, review.artifactId, review.orgId, review.version, review.verdict, review.summary, JSON.stringify(review.reviewer), review.createdAt],
    );
  }

  async listReviews(artifactId: string): Promise<ReviewRecord[]> {
    const rows = await this.read('SELECT * FROM reviews WHERE artifact_id = $1 ORDER BY created_at, id', [artifactId]);
    return rows.map(toReview);
  }

  async addNotifications(notifications: NotificationRecord[]): Promise<void> {
    if (notifications.length === 0) return;
    const columns = ['id', 'user_id', 'org_id', 'kind', 'artifact_id', 'thread_id', 'comment_id', 'actor', 'excerpt', 'verdict', 'version', 'created_at', 'read_at'];
    // All of them or none; chunked under PostgreSQL's limit of 65,535 parameters per statement.
    await this.db.runSql('atomic', async (q) => {
      for (let start = 0; start < notifications.length; start += 1000) {
        const values: unknown[] = [];
        const tuples = notifications.slice(start, start + 1000).map((n) => {
          const row = [n.id, n.userId, n.orgId, n.kind, n.artifactId, n.threadId, n.commentId, JSON.stringify(n.actor), n.excerpt, n.verdict, n.version, n.createdAt, n.readAt];
          const first = values.length;
          values.push(...row);
          return `(${row.map((_, i) => `$${first + i + 1}`).join(', ')})`;
        });
        await q.query(`INSERT INTO notifications (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
      }
    });
  }

  async listNotifications(query: NotificationQuery): Promise<NotificationRecord[]> {
    const where = ['user_id = $1', 'org_id = $2'];
    const params: unknown[] = [query.userId, query.orgId];
    if (query.unreadOnly) where.push('read_at IS NULL');
    if (query.before) {
      params.push(query.before.createdAt, query.before.id);
      where.push(`(created_at < $3 OR (created_at = $3 AND id < $4))`);
    }
    params.push(query.limit);
    const rows = await this.read(
      `SELECT * FROM notifications WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toNotification);
  }

  async countUnread(userId: string, orgId: string): Promise<number> {
    const [row] = await this.read('SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND org_id = $2 AND read_at IS NULL', [userId, orgId]);
    return Number(row.n);
  }

  async markNotificationsRead(userId: string, orgId: string, ids: string[] | 'all', at: number): Promise<number> {
    if (ids === 'all') {
      return this.write('UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND org_id = $3 AND read_at IS NULL', [at, userId, orgId]);
    }
    if (ids.length === 0) return 0;
    return this.write(
      'UPDATE notifications SET read_at = $1 WHERE id = ANY($4::text[]) AND user_id = $2 AND org_id = $3 AND read_at IS NULL',
      [at, userId, orgId, [...new Set(ids)]],
    );
  }

  async purgeArtifact(artifactId: string): Promise<void> {
    await this.db.runSql('atomic', (q) => PostgresReviewStore.purgeWith(q, artifactId));
  }

  /** For the store's own purge transaction. */
  static async purgeWith(q: Queryable, artifactId: string): Promise<void> {
    await q.query('DELETE FROM review_comment_revisions WHERE comment_id IN (SELECT id FROM review_comments WHERE artifact_id = $1)', [artifactId]);
    for (const table of ['review_reactions', 'review_comments', 'review_threads', 'reviews', 'notifications']) {
      await q.query(`DELETE FROM ${table} WHERE artifact_id = $1`, [artifactId]);
    }
  }
}

async function insertComment(q: Queryable, comment: CommentRecord): Promise<void> {
  await q.query(
    `INSERT INTO review_comments (id, thread_id, artifact_id, author, author_user_id, body, text, mentions, created_at, edited_at,
       deleted_at, edits)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      comment.id,
      comment.threadId,
      comment.artifactId,
      JSON.stringify(comment.author),
      comment.authorUserId,
      JSON.stringify(comment.body),
      comment.text,
      JSON.stringify(comment.mentions),
      comment.createdAt,
      comment.editedAt,
      comment.deletedAt,
      comment.edits,
    ],
  );
}

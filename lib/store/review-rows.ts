/**
 * Review rows to records, shared by both backends (same tables, same column
 * names; JSON columns as text).
 */
import type { AnchorView, CommentBody, NotificationKind, ReactionKey, ReviewActor, Verdict } from '../review/types';
import type { CommentRecord, CommentRevisionRecord, NotificationRecord, ReactionRecord, ReviewRecord, ThreadRecord } from './review-types';

export type Row = Record<string, unknown>;

export function json(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

export function parseJson<T>(value: unknown): T | null {
  return value === null || value === undefined ? null : (JSON.parse(String(value)) as T);
}


export function toThread(row: Row): ThreadRecord {
  return {
    id: String(row.id),
    artifactId: String(row.artifact_id),
    orgId: String(row.org_id),
    anchor: parseJson<AnchorView>(row.anchor),
    version: row.version === null ? null : Number(row.version),
    status: row.status === 'resolved' ? 'resolved' : 'open',
    author: JSON.parse(String(row.author)) as ReviewActor,
    authorUserId: String(row.author_user_id),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    resolvedBy: parseJson<ReviewActor>(row.resolved_by),
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    addressed: parseJson<ThreadRecord['addressed']>(row.addressed),
  };
}

export function toComment(row: Row): CommentRecord {
  return {
    id: String(row.id),
    threadId: String(row.thread_id),
    artifactId: String(row.artifact_id),
    author: JSON.parse(String(row.author)) as ReviewActor,
    authorUserId: String(row.author_user_id),
    body: JSON.parse(String(row.body)) as CommentBody,
    text: String(row.text),
    mentions: JSON.parse(String(row.mentions)) as string[],
    createdAt: Number(row.created_at),
    editedAt: row.edited_at === null ? null : Number(row.edited_at),
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
    edits: Number(row.edits),
  };
}

export function toNotification(row: Row): NotificationRecord {
  return {
    id: String(row.id),
    userId: String(row.user_id),
    orgId: String(row.org_id),
    kind: String(row.kind) as NotificationKind,
    artifactId: String(row.artifact_id),
    threadId: row.thread_id === null ? null : String(row.thread_id),
    commentId: row.comment_id === null ? null : String(row.comment_id),
    actor: JSON.parse(String(row.actor)) as ReviewActor,
    excerpt: String(row.excerpt),
    verdict: row.verdict === null ? null : (String(row.verdict) as Verdict),
    version: row.version === null ? null : Number(row.version),
    createdAt: Number(row.created_at),
    readAt: row.read_at === null ? null : Number(row.read_at),
  };
}

export function toRevision(row: Row): CommentRevisionRecord {
  return {
    commentId: String(row.comment_id),
    n: Number(row.n),
    body: JSON.parse(String(row.body)) as CommentBody,
    text: String(row.text),
    replacedAt: Number(row.replaced_at),
  };
}

export function toReaction(row: Row): ReactionRecord {
  return {
    commentId: String(row.comment_id),
    artifactId: String(row.artifact_id),
    userId: String(row.user_id),
    userName: String(row.user_name),
    reaction: String(row.reaction) as ReactionKey,
    createdAt: Number(row.created_at),
  };
}

export function toReview(row: Row): ReviewRecord {
  return {
    id: String(row.id),
    artifactId: String(row.artifact_id),
    orgId: String(row.org_id),
    version: Number(row.version),
    verdict: String(row.verdict) as Verdict,
    summary: String(row.summary),
    reviewer: JSON.parse(String(row.reviewer)) as ReviewActor,
    createdAt: Number(row.created_at),
  };
}

/**
 * Persistence of the review layer. Rows hold exactly what the API shows;
 * JSON columns (`anchor`, `body`, actors) are stored as the use cases give
 * them and returned parsed. Every backend passes the review part of the
 * store contract suite (test/store/review-contract.test.ts).
 *
 * Invariants every backend keeps:
 * - createThread stores the thread and its first comment together or not at all.
 * - editComment moves the previous body into the history in the same transaction.
 * - Times are milliseconds since the epoch, from the server clock.
 */
import type { AnchorView, CommentBody, NotificationKind, ReactionKey, ReviewActor, ThreadStatus, Verdict } from '../review/types';

export interface ThreadRecord {
  id: string;
  artifactId: string;
  orgId: string;
  anchor: AnchorView | null;
  version: number | null;
  status: ThreadStatus;
  author: ReviewActor;
  /** The person behind the author (an agent's token owner): whose thread it is for "mine" and the inbox. */
  authorUserId: string;
  createdAt: number;
  updatedAt: number;
  resolvedBy: ReviewActor | null;
  resolvedAt: number | null;
  addressed: { version: number; by: ReviewActor; at: number; note: string } | null;
}

export interface CommentRecord {
  id: string;
  threadId: string;
  artifactId: string;
  author: ReviewActor;
  authorUserId: string;
  body: CommentBody;
  text: string;
  /** User ids, and 'agent'. */
  mentions: string[];
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  edits: number;
}

export interface CommentRevisionRecord {
  commentId: string;
  n: number;
  body: CommentBody;
  text: string;
  /** When this body was replaced. */
  replacedAt: number;
}

export interface ReactionRecord {
  commentId: string;
  artifactId: string;
  userId: string;
  userName: string;
  reaction: ReactionKey;
  createdAt: number;
}

export interface ReviewRecord {
  id: string;
  artifactId: string;
  orgId: string;
  version: number;
  verdict: Verdict;
  summary: string;
  reviewer: ReviewActor;
  createdAt: number;
}

export interface NotificationRecord {
  id: string;
  userId: string;
  orgId: string;
  kind: NotificationKind;
  artifactId: string;
  threadId: string | null;
  commentId: string | null;
  actor: ReviewActor;
  excerpt: string;
  verdict: Verdict | null;
  version: number | null;
  createdAt: number;
  readAt: number | null;
}

export interface NotificationQuery {
  userId: string;
  orgId: string;
  unreadOnly?: boolean;
  /** Only entries created strictly before this (createdAt, id) cursor. */
  before?: { createdAt: number; id: string } | null;
  limit: number;
}

export interface ReviewStore {
  createThread(thread: ThreadRecord, first: CommentRecord): Promise<void>;
  getThread(id: string): Promise<ThreadRecord | null>;
  listThreads(artifactId: string): Promise<ThreadRecord[]>;
  countThreads(artifactId: string): Promise<number>;
  updateThread(
    id: string,
    patch: Partial<Pick<ThreadRecord, 'status' | 'resolvedBy' | 'resolvedAt' | 'addressed' | 'updatedAt'>>,
  ): Promise<void>;
  deleteThread(id: string): Promise<void>;

  /** Adds a reply and bumps its thread's updatedAt. */
  addComment(comment: CommentRecord): Promise<void>;
  getComment(id: string): Promise<CommentRecord | null>;
  listComments(threadId: string): Promise<CommentRecord[]>;
  listCommentsOfArtifact(artifactId: string): Promise<CommentRecord[]>;
  countComments(threadId: string): Promise<number>;
  /** Replaces the body, keeping the old one as revision n = edits + 1. */
  editComment(id: string, patch: { body: CommentBody; text: string; mentions: string[]; at: number }): Promise<CommentRecord | null>;
  /** Soft delete: the body is emptied, the history dropped, the row kept as a tombstone. */
  deleteComment(id: string, at: number): Promise<void>;
  listCommentRevisions(commentId: string): Promise<CommentRevisionRecord[]>;

  /** Adds (on) or removes (off) one person's reaction; idempotent. */
  setReaction(reaction: ReactionRecord, on: boolean): Promise<void>;
  listReactions(artifactId: string): Promise<ReactionRecord[]>;

  addReview(review: ReviewRecord): Promise<void>;
  listReviews(artifactId: string): Promise<ReviewRecord[]>;

  addNotifications(notifications: NotificationRecord[]): Promise<void>;
  listNotifications(query: NotificationQuery): Promise<NotificationRecord[]>;
  countUnread(userId: string, orgId: string): Promise<number>;
  /** Marks the given ids (or all) read; returns how many changed. */
  markNotificationsRead(userId: string, orgId: string, ids: string[] | 'all', at: number): Promise<number>;

  /** Everything of one artifact's review layer (purge). */
  purgeArtifact(artifactId: string): Promise<void>;
}

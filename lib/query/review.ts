import { mutationOptions, queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { commentBodySchema, type CommentBody } from '../review/body';
import {
  REACTIONS,
  type AnchorInput,
  type MentionableView,
  type ReactionKey,
  type ThreadStatus,
  type ThreadWithStateView,
} from '../review/types';
import { fetchJson, sendJson } from './api-client';

/**
 * The review layer's REST calls for the browser (docs/API.md, "Review").
 *
 * What the live view shows comes from the review room (`useReviewDoc`), which
 * the server rewrites after every change: mutations here therefore touch no
 * cache, the room brings the result to every reader at once, this one
 * included. Queries cover what the room does not hold: who may be mentioned,
 * and a comment's earlier bodies.
 */

/** Keys live under the artifact's detail key, so one invalidation reaches them all. */
export const reviewKeys = {
  all: (id: string) => ['artifacts', 'detail', id, 'review'] as const,
  threads: (id: string, status: ThreadListStatus) => ['artifacts', 'detail', id, 'review', 'threads', status] as const,
  mentionables: (id: string) => ['artifacts', 'detail', id, 'review', 'mentionables'] as const,
  history: (id: string, commentId: string) => ['artifacts', 'detail', id, 'review', 'history', commentId] as const,
};

export type ThreadListStatus = ThreadStatus | 'all';

// ---- schemas (light: the server is ours; check the shape the UI leans on) ----

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Enough to trust a thread: its ids, status and a list of comments with ids. */
function isThreadLike(value: unknown): value is ThreadWithStateView {
  if (!isRecord(value)) return false;
  const { id, artifactId, status, comments } = value;
  return (
    typeof id === 'string' &&
    typeof artifactId === 'string' &&
    (status === 'open' || status === 'resolved') &&
    Array.isArray(comments) &&
    comments.every((comment) => isRecord(comment) && typeof comment.id === 'string')
  );
}

export const threadSchema = z.custom<ThreadWithStateView>(isThreadLike, { error: 'not a thread' });
const threadListSchema = z.object({ items: z.array(threadSchema) });

const mentionableSchema = z.object({
  kind: z.enum(['user', 'agent']),
  id: z.string(),
  name: z.string(),
  email: z.string().nullable().default(null),
});
const mentionableListSchema = z.object({ items: z.array(mentionableSchema) });

const deletedSchema = z.object({ deleted: z.literal(true), threadDeleted: z.boolean() });

export const commentHistorySchema = z.object({
  current: z.object({ body: commentBodySchema, text: z.string(), at: z.string() }),
  /** Oldest first, as the server numbers them (n = 1 is the original). */
  revisions: z.array(z.object({ n: z.number().int(), body: commentBodySchema, text: z.string(), replacedAt: z.string() })),
});
export type CommentHistory = z.infer<typeof commentHistorySchema>;

// ---- paths ----

function artifactPath(id: string, rest: string): string {
  return `/api/v1/artifacts/${encodeURIComponent(id)}${rest}`;
}

const threadPath = (id: string, threadId: string, rest = '') => artifactPath(id, `/threads/${encodeURIComponent(threadId)}${rest}`);
const commentPath = (id: string, commentId: string, rest = '') => artifactPath(id, `/comments/${encodeURIComponent(commentId)}${rest}`);

// ---- queries ----

/** The threads as the API lists them (with the server's anchor states); the live view reads the room instead. */
export function threadListQueryOptions(id: string, status: ThreadListStatus = 'open') {
  return queryOptions({
    queryKey: reviewKeys.threads(id, status),
    queryFn: ({ signal }) => fetchJson(artifactPath(id, `/threads?status=${status}`), threadListSchema, signal).then((body) => body.items),
  });
}

/** Who a comment may @mention here: the artifact's agent first, then the people who can see it. */
export function mentionablesQueryOptions(id: string) {
  return queryOptions({
    queryKey: reviewKeys.mentionables(id),
    queryFn: ({ signal }): Promise<MentionableView[]> =>
      fetchJson(artifactPath(id, '/mentionables'), mentionableListSchema, signal).then((body) => body.items),
    // Membership changes rarely while someone types; a minute is fresh enough.
    staleTime: 60_000,
  });
}

/**
 * A comment's earlier bodies. Keyed by the comment and its edit count, so a
 * new edit is a new entry rather than a stale one.
 */
export function commentHistoryQueryOptions(id: string, commentId: string, edits: number) {
  return queryOptions({
    queryKey: [...reviewKeys.history(id, commentId), edits] as const,
    queryFn: ({ signal }) => fetchJson(commentPath(id, commentId, '/history'), commentHistorySchema, signal),
    staleTime: Infinity,
  });
}

// ---- mutations (the review room brings the result; nothing to cache) ----

export interface NewThreadInput {
  /** Null or absent: a thread about the whole page. */
  anchor: AnchorInput | null;
  body: CommentBody;
}

export function createThreadMutationOptions(id: string) {
  return mutationOptions({
    mutationKey: ['review', 'create-thread', id],
    mutationFn: (input: NewThreadInput) => sendJson('POST', artifactPath(id, '/threads'), input, threadSchema),
  });
}

export function replyMutationOptions(id: string, threadId: string) {
  return mutationOptions({
    mutationKey: ['review', 'reply', id, threadId],
    mutationFn: (body: CommentBody) => sendJson('POST', threadPath(id, threadId, '/replies'), { body }, threadSchema),
  });
}

/** Resolve or reopen (people only; the API refuses agents). */
export function threadStatusMutationOptions(id: string, threadId: string) {
  return mutationOptions({
    mutationKey: ['review', 'thread-status', id, threadId],
    mutationFn: (status: ThreadStatus) => sendJson('PATCH', threadPath(id, threadId), { status }, threadSchema),
  });
}

/** The author's new body; the old one goes to the comment's history. */
export function editCommentMutationOptions(id: string, commentId: string) {
  return mutationOptions({
    mutationKey: ['review', 'edit-comment', id, commentId],
    mutationFn: (body: CommentBody) => sendJson('PATCH', commentPath(id, commentId), { body }, threadSchema),
  });
}

/** A thread's only comment takes the thread with it; otherwise the comment stays as a tombstone. */
export function deleteCommentMutationOptions(id: string, commentId: string) {
  return mutationOptions({
    mutationKey: ['review', 'delete-comment', id, commentId],
    mutationFn: () => sendJson('DELETE', commentPath(id, commentId), undefined, deletedSchema),
  });
}

export interface ReactionInput {
  key: ReactionKey;
  /** True adds the caller's reaction, false takes it back. */
  on: boolean;
}

export function reactionMutationOptions(id: string, commentId: string) {
  return mutationOptions({
    mutationKey: ['review', 'reaction', id, commentId],
    mutationFn: ({ key, on }: ReactionInput) =>
      sendJson(on ? 'PUT' : 'DELETE', commentPath(id, commentId, `/reactions/${encodeURIComponent(key)}`), undefined, threadSchema),
  });
}

export function isReactionKey(value: string): value is ReactionKey {
  return (REACTIONS as readonly string[]).includes(value);
}

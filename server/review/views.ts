import type { CommentRecord, NotificationRecord, ReactionRecord, ReviewRecord, ThreadRecord } from '../../lib/store/review-types';
import type { CommentView, NotificationView, ReactionView, ReviewSummary, ReviewView, ThreadView } from '../../lib/review/types';
import { REACTIONS } from '../../lib/review/types';

const iso = (ms: number) => new Date(ms).toISOString();

/** Reactions grouped per comment, in the fixed REACTIONS order, each with who gave it. */
export function groupReactions(reactions: ReactionRecord[]): Map<string, ReactionView[]> {
  const byComment = new Map<string, Map<string, ReactionView>>();
  for (const reaction of reactions) {
    let keys = byComment.get(reaction.commentId);
    if (!keys) byComment.set(reaction.commentId, (keys = new Map()));
    let view = keys.get(reaction.reaction);
    if (!view) keys.set(reaction.reaction, (view = { key: reaction.reaction, by: [] }));
    view.by.push({ id: reaction.userId, name: reaction.userName });
  }
  const result = new Map<string, ReactionView[]>();
  for (const [commentId, keys] of byComment) {
    result.set(
      commentId,
      REACTIONS.flatMap((key) => (keys.has(key) ? [keys.get(key)!] : [])),
    );
  }
  return result;
}

export function commentView(comment: CommentRecord, reactions: ReactionView[]): CommentView {
  return {
    id: comment.id,
    threadId: comment.threadId,
    author: comment.author,
    body: comment.body,
    text: comment.text,
    createdAt: iso(comment.createdAt),
    editedAt: comment.editedAt === null ? null : iso(comment.editedAt),
    edits: comment.edits,
    deleted: comment.deletedAt !== null,
    reactions,
    mentions: comment.mentions,
  };
}

export function threadView(thread: ThreadRecord, comments: CommentRecord[], reactions: Map<string, ReactionView[]>): ThreadView {
  return {
    id: thread.id,
    artifactId: thread.artifactId,
    anchor: thread.anchor,
    version: thread.version,
    status: thread.status,
    author: thread.author,
    createdAt: iso(thread.createdAt),
    updatedAt: iso(thread.updatedAt),
    resolved: thread.resolvedBy && thread.resolvedAt !== null ? { by: thread.resolvedBy, at: iso(thread.resolvedAt) } : null,
    addressed: thread.addressed ? { ...thread.addressed, at: iso(thread.addressed.at) } : null,
    comments: comments.map((comment) => commentView(comment, reactions.get(comment.id) ?? [])),
  };
}

export function reviewView(review: ReviewRecord): ReviewView {
  return {
    id: review.id,
    artifactId: review.artifactId,
    version: review.version,
    verdict: review.verdict,
    summary: review.summary,
    reviewer: review.reviewer,
    createdAt: iso(review.createdAt),
  };
}

export function notificationView(notification: NotificationRecord, artifactTitle: string): NotificationView {
  return {
    id: notification.id,
    kind: notification.kind,
    artifactId: notification.artifactId,
    artifactTitle,
    threadId: notification.threadId,
    commentId: notification.commentId,
    actor: notification.actor,
    excerpt: notification.excerpt,
    verdict: notification.verdict,
    version: notification.version,
    createdAt: iso(notification.createdAt),
    readAt: notification.readAt === null ? null : iso(notification.readAt),
  };
}

/**
 * The review state of the latest version (see ReviewSummary). Each reviewer
 * counts by their latest approve / request-changes; plain comments change
 * nothing. Approvals count only on the latest version.
 */
export function summarize(
  reviews: ReviewRecord[],
  latestVersion: number | null,
  requiredApprovals: number,
  openThreads: number,
): ReviewSummary {
  const standing = new Map<string, ReviewRecord>();
  for (const review of reviews) {
    if (review.verdict === 'comment') continue;
    const key = `${review.reviewer.kind}:${review.reviewer.id}`;
    const previous = standing.get(key);
    if (!previous || previous.createdAt <= review.createdAt) standing.set(key, review);
  }
  const entry = (review: ReviewRecord) => ({ reviewer: review.reviewer, version: review.version, at: iso(review.createdAt) });
  const approvals: ReviewSummary['approvals'] = [];
  const staleApprovals: ReviewSummary['staleApprovals'] = [];
  const changesRequested: ReviewSummary['changesRequested'] = [];
  for (const review of standing.values()) {
    if (review.verdict === 'request_changes') changesRequested.push(entry(review));
    else if (latestVersion !== null && review.version >= latestVersion) approvals.push(entry(review));
    else staleApprovals.push(entry(review));
  }
  const enough = approvals.length >= requiredApprovals;
  const state: ReviewSummary['state'] = changesRequested.length > 0 ? 'changes_requested' : enough ? 'approved' : 'pending';
  return {
    latestVersion,
    requiredApprovals,
    approvals,
    staleApprovals,
    changesRequested,
    state,
    readyForHandoff: state === 'approved' && latestVersion !== null,
    openThreads,
  };
}

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isAdmin, reviewAccess } from '../../lib/auth/policy';
import type { Principal } from '../../lib/auth/principal';
import { AppError } from '../../lib/errors';
import { htmlOf } from '../../lib/artifact/doc-shape';
import { describeAnchorSource, resolveAnchor } from '../../lib/review/anchor';
import { anchorInputSchema } from '../../lib/review/anchor-schema';
import { bodyMentions, bodyText, mentionsAsText, parseCommentBody, type CommentBody } from '../../lib/review/body';
import { scanElements } from '../../lib/review/html-source';
import { markdownToBody } from '../../lib/review/markdown';
import {
  REACTIONS,
  REVIEW_LIMITS,
  type AnchorView,
  type MentionableView,
  type ReactionKey,
  type ThreadWithStateView,
} from '../../lib/review/types';
import type { ArtifactRecord } from '../../lib/store/types';
import type { CommentRecord, ThreadRecord } from '../../lib/store/review-types';
import { docNameFor } from '../../lib/protocol/ids';
import type { RequestMeta } from '../audit/audit';
import { getVisibleArtifact } from '../artifacts/artifact-view';
import type { Services } from '../services';
import { versionToReview } from './current-version';
import { notify, type NotificationDraft } from './inbox';
import { AGENT_MENTION_ID, isAuthor, mentionablesOf, reviewActorOf } from './people';
import { refreshReview } from './projection';
import { groupReactions, threadView } from './views';

// ---- input ------------------------------------------------------------

/** A comment is sent as structured `body` (the app's composer) or as markdown `text` (agents, the CLI). */
const CommentInput = z
  .object({ body: z.unknown().optional(), text: z.string().max(REVIEW_LIMITS.commentChars * 2).optional() })
  .refine((input) => (input.body === undefined) !== (input.text === undefined), 'send exactly one of "body" or "text"');

const NewThreadInput = CommentInput.and(z.object({ anchor: anchorInputSchema.nullable().optional() }));
const StatusInput = z.object({ status: z.enum(['open', 'resolved']) });
const AddressedInput = z.object({
  version: z.number().int().positive().optional(),
  note: z.string().trim().max(500).default(''),
});

interface ParsedComment {
  body: CommentBody;
  text: string;
  mentions: string[];
}

/**
 * Parses a comment and stamps the real names of the people it mentions.
 * `mentionables` is who may be mentioned here as the author may see them
 * (`mentionablesOf`): a handle matches an id, a name, or an email only when
 * the author may see emails. A mention of anyone else (someone unknown, or a
 * member who cannot see the artifact) stays the plain text `@name`, by
 * either door (`text` or `body`) alike: the answer never tells who is a
 * member, who can see the page, or whose address an email is.
 */
function parseComment(raw: { body?: unknown; text?: string }, mentionables: MentionableView[]): ParsedComment {
  const byId = new Map(mentionables.map((m) => [m.id, m]));
  const resolveHandle = (handle: string) => {
    const wanted = handle.toLowerCase();
    const found = mentionables.find(
      (m) => m.id === wanted || m.email?.toLowerCase() === wanted || m.name.toLowerCase().replace(/\s+/g, '') === wanted.replace(/\s+/g, ''),
    );
    return found ? { kind: found.kind, id: found.id, name: found.name } : null;
  };
  const parsed = raw.text !== undefined ? markdownToBody(raw.text, resolveHandle) : parseCommentBody(raw.body);
  const body = mentionsAsText(parsed, (mention) => byId.get(mention.id)?.kind === mention.kind);
  const mentions = bodyMentions(body);
  const stamped = stampMentionNames(body, byId);
  return { body: stamped, text: bodyText(stamped), mentions: mentions.map((m) => m.id) };
}

function stampMentionNames(body: CommentBody, byId: Map<string, MentionableView>): CommentBody {
  // Mentions show the server's name for the person, never one the client made up.
  return JSON.parse(JSON.stringify(body), (key, value: unknown) => {
    if (value && typeof value === 'object' && (value as { t?: unknown }).t === 'mention') {
      const mention = value as { id: string };
      const known = byId.get(mention.id);
      return known ? { ...mention, name: known.name } : value;
    }
    return value;
  }) as CommentBody;
}

function newComment(principal: Principal, thread: { id: string; artifactId: string }, comment: ParsedComment, at: number): CommentRecord {
  return {
    id: randomUUID(),
    threadId: thread.id,
    artifactId: thread.artifactId,
    author: reviewActorOf(principal),
    authorUserId: principal.userId,
    ...comment,
    createdAt: at,
    editedAt: null,
    deletedAt: null,
    edits: 0,
  };
}

// ---- access -------------------------------------------------------------

async function reviewableArtifact(services: Services, principal: Principal, id: string): Promise<ArtifactRecord> {
  const artifact = await getVisibleArtifact(services, principal, id);
  if (reviewAccess(principal, artifact) !== 'write') {
    throw new AppError(
      'forbidden',
      principal.kind === 'agent' ? 'This token needs the comments:write scope to comment.' : 'Viewers can read the review but not write to it.',
    );
  }
  return artifact;
}

async function threadOf(services: Services, artifact: ArtifactRecord, threadId: string): Promise<ThreadRecord> {
  const thread = z.string().uuid().safeParse(threadId).success ? await services.store.review.getThread(threadId) : null;
  if (!thread || thread.artifactId !== artifact.id) throw new AppError('not_found', 'No such thread on this artifact.');
  return thread;
}

async function commentOf(services: Services, artifact: ArtifactRecord, commentId: string): Promise<CommentRecord> {
  const comment = z.string().uuid().safeParse(commentId).success ? await services.store.review.getComment(commentId) : null;
  if (!comment || comment.artifactId !== artifact.id) throw new AppError('not_found', 'No such comment on this artifact.');
  return comment;
}

const contentRoom = (id: string) => ({ artifactId: id, kind: 'content' as const, docName: docNameFor(id, 'content') });

// ---- reads ------------------------------------------------------------

const ListQuery = z.object({ status: z.enum(['open', 'resolved', 'all']).default('open') });

/** `GET /api/v1/artifacts/:id/threads`: threads with comments and where each anchor stands on the page now. */
export async function listThreads(services: Services, principal: Principal, id: string, raw: Record<string, string>) {
  const artifact = await getVisibleArtifact(services, principal, id);
  const { status } = ListQuery.parse(raw);
  const threads = (await services.store.review.listThreads(artifact.id)).filter((t) => status === 'all' || t.status === status);
  return { items: await withStates(services, artifact, threads) };
}

export async function getThread(services: Services, principal: Principal, id: string, threadId: string) {
  const artifact = await getVisibleArtifact(services, principal, id);
  const [view] = await withStates(services, artifact, [await threadOf(services, artifact, threadId)]);
  return view;
}

async function withStates(services: Services, artifact: ArtifactRecord, threads: ThreadRecord[]): Promise<ThreadWithStateView[]> {
  if (threads.length === 0) return [];
  const [comments, reactions] = await Promise.all([
    // One thread (a write's answer) reads its own comments, not the artifact's.
    threads.length === 1 ? services.store.review.listComments(threads[0].id) : services.store.review.listCommentsOfArtifact(artifact.id),
    services.store.review.listReactions(artifact.id),
  ]);
  const grouped = groupReactions(reactions);
  const byThread = new Map<string, CommentRecord[]>();
  for (const comment of comments) {
    const list = byThread.get(comment.threadId);
    if (list) list.push(comment);
    else byThread.set(comment.threadId, [comment]);
  }
  const states = await services.registry.withRoom(contentRoom(artifact.id), async (room) => {
    await room.upToDate();
    const text = htmlOf(room.doc);
    const elements = scanElements(text.toString());
    return threads.map((thread) => (thread.anchor ? resolveAnchor(text, thread.anchor, elements).state : null));
  });
  return threads.map((thread, index) => {
    const view = threadView(thread, byThread.get(thread.id) ?? [], grouped);
    return {
      ...view,
      anchorState: states[index],
      mentionsAgent: view.comments.some((c) => c.mentions.includes(AGENT_MENTION_ID)),
    };
  });
}

export async function listMentionables(services: Services, principal: Principal, id: string) {
  const artifact = await getVisibleArtifact(services, principal, id);
  return { items: await mentionablesOf(services, principal, artifact) };
}

export async function commentHistory(services: Services, principal: Principal, id: string, commentId: string) {
  const artifact = await getVisibleArtifact(services, principal, id);
  const comment = await commentOf(services, artifact, commentId);
  const revisions = await services.store.review.listCommentRevisions(comment.id);
  return {
    current: { body: comment.body, text: comment.text, at: new Date(comment.editedAt ?? comment.createdAt).toISOString() },
    revisions: revisions.map((r) => ({ n: r.n, body: r.body, text: r.text, replacedAt: new Date(r.replacedAt).toISOString() })),
  };
}

// ---- writes -----------------------------------------------------------

/** `POST /api/v1/artifacts/:id/threads`: a new thread, pinned (anchor) or about the whole page (no anchor). */
export async function createThread(services: Services, principal: Principal, id: string, raw: unknown, meta: RequestMeta) {
  const artifact = await reviewableArtifact(services, principal, id);
  const input = NewThreadInput.parse(raw);
  if ((await services.store.review.countThreads(artifact.id)) >= REVIEW_LIMITS.threadsPerArtifact) {
    throw new AppError('conflict', `This artifact has reached ${REVIEW_LIMITS.threadsPerArtifact} threads.`);
  }
  const mentionables = await mentionablesOf(services, principal, artifact);
  const comment = parseComment(input, mentionables);
  const anchor = input.anchor ? await anchorOnPage(services, artifact.id, input.anchor) : null;
  const latest = await services.store.latestVersion(artifact.id);
  const at = services.now();
  const actor = reviewActorOf(principal);
  const thread: ThreadRecord = {
    id: randomUUID(),
    artifactId: artifact.id,
    orgId: artifact.orgId,
    anchor,
    version: latest?.n ?? null,
    status: 'open',
    author: actor,
    authorUserId: principal.userId,
    createdAt: at,
    updatedAt: at,
    resolvedBy: null,
    resolvedAt: null,
    addressed: null,
  };
  const first = newComment(principal, thread, comment, at);
  await services.store.transaction(async (tx) => {
    await tx.review.createThread(thread, first);
    await services.audit.artifactEvent(principal, 'comment.create', artifact, meta, { threadId: thread.id, commentId: first.id, pinned: anchor !== null }, tx);
  });
  await refreshReview(services, artifact, { threadIds: [thread.id] });
  await notifyMentions(services, principal, artifact, thread, first, comment.mentions, []);
  return getThread(services, principal, artifact.id, thread.id);
}

async function anchorOnPage(services: Services, artifactId: string, input: z.infer<typeof anchorInputSchema>): Promise<AnchorView> {
  return services.registry.withRoom(contentRoom(artifactId), async (room) => {
    await room.upToDate();
    const described = describeAnchorSource(htmlOf(room.doc), input);
    if (!described.ok) throw new AppError('bad_request', `Anchor: ${described.reason}`, { details: { field: 'anchor' } });
    return { ...input, source: described.source, sourceHash: described.sourceHash };
  });
}

/** `POST .../threads/:tid/replies`. */
export async function reply(services: Services, principal: Principal, id: string, threadId: string, raw: unknown, meta: RequestMeta) {
  const artifact = await reviewableArtifact(services, principal, id);
  const thread = await threadOf(services, artifact, threadId);
  if ((await services.store.review.countComments(thread.id)) >= REVIEW_LIMITS.commentsPerThread) {
    throw new AppError('conflict', `This thread has reached ${REVIEW_LIMITS.commentsPerThread} comments.`);
  }
  const comment = parseComment(CommentInput.parse(raw), await mentionablesOf(services, principal, artifact));
  const at = services.now();
  const record = newComment(principal, thread, comment, at);
  await services.store.transaction(async (tx) => {
    await tx.review.addComment(record);
    await services.audit.artifactEvent(principal, 'comment.create', artifact, meta, { threadId: thread.id, commentId: record.id }, tx);
  });
  await refreshReview(services, artifact, { threadIds: [thread.id] });
  const participants = (await services.store.review.listComments(thread.id)).map((c) => c.authorUserId);
  await notifyMentions(services, principal, artifact, thread, record, comment.mentions, [thread.authorUserId, ...participants]);
  return getThread(services, principal, artifact.id, thread.id);
}

/** Mentioned people first (a mention beats a reply), then the thread's participants. */
async function notifyMentions(
  services: Services,
  principal: Principal,
  artifact: ArtifactRecord,
  thread: ThreadRecord,
  comment: CommentRecord,
  mentions: string[],
  participants: string[],
): Promise<void> {
  const drafts: NotificationDraft[] = [
    ...mentions
      .filter((m) => m !== AGENT_MENTION_ID)
      .map((userId) => ({ userId, kind: 'mention' as const, threadId: thread.id, commentId: comment.id, excerpt: comment.text })),
    ...participants.map((userId) => ({ userId, kind: 'reply' as const, threadId: thread.id, commentId: comment.id, excerpt: comment.text })),
  ];
  await notify(services, { orgId: artifact.orgId, artifactId: artifact.id, actor: reviewActorOf(principal), actorUserId: principal.userId }, drafts);
}

/** `PATCH .../comments/:cid`: the author edits; the previous body stays in the history. */
export async function editComment(services: Services, principal: Principal, id: string, commentId: string, raw: unknown, meta: RequestMeta) {
  const artifact = await reviewableArtifact(services, principal, id);
  const existing = await commentOf(services, artifact, commentId);
  if (!isAuthor(principal, existing.author)) throw new AppError('forbidden', 'Only the author can edit a comment.');
  if (existing.deletedAt !== null) throw new AppError('conflict', 'This comment was deleted.');
  const comment = parseComment(CommentInput.parse(raw), await mentionablesOf(services, principal, artifact));
  const updated = await services.store.transaction(async (tx) => {
    const updated = await tx.review.editComment(existing.id, { ...comment, at: services.now() });
    if (!updated) throw new AppError('conflict', 'This comment was deleted.');
    await services.audit.artifactEvent(principal, 'comment.edit', artifact, meta, { threadId: existing.threadId, commentId: existing.id }, tx);
    return updated;
  });
  await refreshReview(services, artifact, { threadIds: [existing.threadId] });
  const thread = await threadOf(services, artifact, existing.threadId);
  const added = comment.mentions.filter((m) => !existing.mentions.includes(m));
  await notifyMentions(services, principal, artifact, thread, updated, added, []);
  return getThread(services, principal, artifact.id, existing.threadId);
}

/**
 * `DELETE .../comments/:cid`: the author (or an admin) deletes. A thread's
 * only comment takes the thread with it; otherwise a tombstone keeps the
 * conversation readable.
 */
export async function deleteComment(services: Services, principal: Principal, id: string, commentId: string, meta: RequestMeta) {
  const artifact = await reviewableArtifact(services, principal, id);
  const comment = await commentOf(services, artifact, commentId);
  if (!isAuthor(principal, comment.author) && !(principal.kind === 'user' && isAdmin(principal))) {
    throw new AppError('forbidden', 'Only the author or an admin can delete a comment.');
  }
  const live = (await services.store.review.listComments(comment.threadId)).filter((c) => c.deletedAt === null);
  const removesThread = live.length === 1 && live[0].id === comment.id;
  await services.store.transaction(async (tx) => {
    if (removesThread) await tx.review.deleteThread(comment.threadId);
    else if (comment.deletedAt === null) await tx.review.deleteComment(comment.id, services.now());
    const details = { threadId: comment.threadId, commentId: comment.id, thread: removesThread };
    await services.audit.artifactEvent(principal, 'comment.delete', artifact, meta, details, tx);
  });
  await refreshReview(services, artifact, { threadIds: [comment.threadId] });
  return { deleted: true, threadDeleted: removesThread };
}

const ReactionKeySchema = z.string().max(40).refine((key): key is ReactionKey => (REACTIONS as readonly string[]).includes(key), {
  message: `must be one of ${REACTIONS.join(', ')}`,
});

/** `PUT` (on) / `DELETE` (off) `.../comments/:cid/reactions/:key`. */
export async function react(services: Services, principal: Principal, id: string, commentId: string, rawKey: string, on: boolean) {
  const artifact = await reviewableArtifact(services, principal, id);
  const parsed = ReactionKeySchema.safeParse(rawKey);
  if (!parsed.success) throw new AppError('bad_request', `Unknown reaction; use one of ${REACTIONS.join(', ')}.`, { details: { field: 'reaction' } });
  const comment = await commentOf(services, artifact, commentId);
  if (comment.deletedAt !== null) throw new AppError('conflict', 'This comment was deleted.');
  const actor = reviewActorOf(principal);
  await services.store.review.setReaction(
    { commentId: comment.id, artifactId: artifact.id, userId: actor.id, userName: actor.name, reaction: parsed.data as ReactionKey, createdAt: services.now() },
    on,
  );
  await refreshReview(services, artifact, { threadIds: [comment.threadId] });
  return getThread(services, principal, artifact.id, comment.threadId);
}

/** `PATCH .../threads/:tid` `{status}`: people resolve and reopen; agents mark threads addressed instead. */
export async function setThreadStatus(services: Services, principal: Principal, id: string, threadId: string, raw: unknown, meta: RequestMeta) {
  const artifact = await reviewableArtifact(services, principal, id);
  if (principal.kind === 'agent') {
    throw new AppError('forbidden', 'Agents mark a thread addressed (POST .../addressed); a reviewer confirms by resolving it.');
  }
  const thread = await threadOf(services, artifact, threadId);
  const { status } = StatusInput.parse(raw);
  if (thread.status !== status) {
    const at = services.now();
    await services.store.transaction(async (tx) => {
      await tx.review.updateThread(thread.id, {
        status,
        resolvedBy: status === 'resolved' ? reviewActorOf(principal) : null,
        resolvedAt: status === 'resolved' ? at : null,
        updatedAt: at,
      });
      await services.audit.artifactEvent(principal, status === 'resolved' ? 'thread.resolve' : 'thread.reopen', artifact, meta, { threadId: thread.id }, tx);
    });
    await refreshReview(services, artifact, { threadIds: [thread.id] });
    if (status === 'resolved') {
      const first = (await services.store.review.listComments(thread.id))[0];
      await notify(services, { orgId: artifact.orgId, artifactId: artifact.id, actor: reviewActorOf(principal), actorUserId: principal.userId }, [
        { userId: thread.authorUserId, kind: 'resolved', threadId: thread.id, excerpt: first?.text ?? '' },
      ]);
    }
  }
  return getThread(services, principal, artifact.id, thread.id);
}

/**
 * `POST .../threads/:tid/addressed` `{version?, note?}`: the agent says a
 * version deals with the thread (default: the version of the page as it
 * stands now, cut if needed). The thread stays open until a reviewer resolves it.
 */
export async function markAddressed(services: Services, principal: Principal, id: string, threadId: string, raw: unknown, meta: RequestMeta) {
  const artifact = await reviewableArtifact(services, principal, id);
  const thread = await threadOf(services, artifact, threadId);
  const input = AddressedInput.parse(raw ?? {});
  const actor = reviewActorOf(principal);
  const version = await versionToReview(services, artifact.id, input.version, actor);
  const at = services.now();
  await services.store.transaction(async (tx) => {
    await tx.review.updateThread(thread.id, { addressed: { version, by: actor, at, note: input.note }, updatedAt: at });
    await services.audit.artifactEvent(principal, 'thread.addressed', artifact, meta, { threadId: thread.id, version }, tx);
  });
  await refreshReview(services, artifact, { threadIds: [thread.id] });
  const participants = (await services.store.review.listComments(thread.id)).map((c) => c.authorUserId);
  await notify(
    services,
    { orgId: artifact.orgId, artifactId: artifact.id, actor, actorUserId: principal.userId },
    [thread.authorUserId, ...participants].map((userId) => ({
      userId,
      kind: 'addressed' as const,
      threadId: thread.id,
      excerpt: input.note || `Addressed in v${version}`,
      version,
    })),
  );
  return getThread(services, principal, artifact.id, thread.id);
}


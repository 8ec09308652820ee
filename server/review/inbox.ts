import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Principal } from '../../lib/auth/principal';
import { AppError } from '../../lib/errors';
import type { NotificationRecord } from '../../lib/store/review-types';
import type { NotificationKind, ReviewActor, Verdict } from '../../lib/review/types';
import type { Services } from '../services';
import { notificationView } from './views';
import { reserveResponse } from '../limits/response-budget';

/**
 * Each person's inbox: mentions, replies to their threads, status changes.
 * Notifications are rows; live delivery is a signal on the fan-out channel
 * `inbox:<userId>` that open inbox streams (SSE) turn into a fresh unread
 * count. The same channel spans processes once the fan-out does.
 */

export interface NotificationDraft {
  userId: string;
  kind: NotificationKind;
  threadId?: string | null;
  commentId?: string | null;
  excerpt: string;
  verdict?: Verdict | null;
  version?: number | null;
}

const EXCERPT_CHARS = 280;

export function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

/**
 * One notification per person (the first draft for someone wins: a mention
 * beats a reply), never to the person acting. An agent is not its token's
 * owner: the person who runs it hears when it replies to them or addresses
 * their thread, as anyone else would.
 */
export async function notify(
  services: Services,
  context: { orgId: string; artifactId: string; actor: ReviewActor; actorUserId: string },
  drafts: NotificationDraft[],
): Promise<void> {
  const seen = new Set<string>(context.actor.kind === 'user' ? [context.actorUserId] : []);
  const rows: NotificationRecord[] = [];
  const at = services.now();
  for (const draft of drafts) {
    if (seen.has(draft.userId)) continue;
    seen.add(draft.userId);
    rows.push({
      id: randomUUID(),
      userId: draft.userId,
      orgId: context.orgId,
      kind: draft.kind,
      artifactId: context.artifactId,
      threadId: draft.threadId ?? null,
      commentId: draft.commentId ?? null,
      actor: context.actor,
      excerpt: excerptOf(draft.excerpt),
      verdict: draft.verdict ?? null,
      version: draft.version ?? null,
      createdAt: at,
      readAt: null,
    });
  }
  await services.store.review.addNotifications(rows);
  for (const row of rows) signalInbox(services, row.userId);
}

function signalInbox(services: Services, userId: string): void {
  services.pubsub.publish(inboxChannel(userId), { nodeId: 'inbox', kind: 'update', payload: new Uint8Array() });
}

const inboxChannel = (userId: string) => `inbox:${userId}`;

function people(principal: Principal): { userId: string; orgId: string } {
  if (principal.kind !== 'user') throw new AppError('forbidden', 'The inbox is for people; agents read threads through the artifact.');
  return { userId: principal.userId, orgId: principal.orgId };
}

const ListQuery = z.object({
  filter: z.enum(['all', 'unread']).default('all'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

function decodeCursor(cursor: string | undefined): { createdAt: number; id: string } | null {
  if (!cursor) return null;
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = Number(at);
  if (!Number.isFinite(createdAt) || !id) throw new AppError('bad_request', 'Invalid cursor.');
  return { createdAt, id };
}

export async function listInbox(services: Services, principal: Principal, raw: Record<string, string>) {
  const { userId, orgId } = people(principal);
  const query = ListQuery.parse(raw);
  const rows = await services.store.review.listNotifications({
    userId,
    orgId,
    unreadOnly: query.filter === 'unread',
    before: decodeCursor(query.cursor),
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const titles = new Map<string, string>();
  const items = [];
  for (const row of page) {
    if (!titles.has(row.artifactId)) titles.set(row.artifactId, (await services.store.getArtifact(row.artifactId))?.title ?? 'Deleted artifact');
    items.push(notificationView(row, titles.get(row.artifactId)!));
  }
  const last = page.at(-1);
  return {
    items,
    unread: await services.store.review.countUnread(userId, orgId),
    nextCursor: rows.length > query.limit && last ? Buffer.from(`${last.createdAt}|${last.id}`).toString('base64url') : null,
  };
}

const MarkRead = z.union([z.object({ all: z.literal(true) }), z.object({ ids: z.array(z.string().uuid()).min(1).max(500) })]);

export async function markInboxRead(services: Services, principal: Principal, raw: unknown) {
  const { userId, orgId } = people(principal);
  const input = MarkRead.parse(raw);
  await services.store.review.markNotificationsRead(userId, orgId, 'all' in input ? 'all' : input.ids, services.now());
  signalInbox(services, userId);
  return { unread: await services.store.review.countUnread(userId, orgId) };
}

const HEARTBEAT_MS = 25_000;
/** Bytes of events one inbox stream may have queued and unread before it is ended (a few hundred events). */
const MAX_STREAM_BUFFERED_BYTES = 64 * 1024;
const RECHECK_MS = 30_000;

/**
 * `GET /api/v1/inbox/events`: a server-sent event stream of the unread
 * count (`event: unread`), sent on open and whenever the inbox changes.
 * The credential is re-checked every 30 s; a revoked one ends the stream.
 */
export async function streamInbox(services: Services, principal: Principal, res: ServerResponse, recheck: () => Promise<boolean>) {
  const { userId, orgId } = people(principal);
  // An open stream holds at most its window of unread events against this person's response budget.
  reserveResponse(res, MAX_STREAM_BUFFERED_BYTES);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  let sending: Promise<void> = Promise.resolve();
  let isSendQueued = false;
  // A client that stops reading must not make the server queue events for it: past the cap the stream ends.
  const write = (chunk: string) => {
    if (closed) return;
    if (res.writableLength > MAX_STREAM_BUFFERED_BYTES) {
      res.destroy();
      return;
    }
    res.write(chunk);
  };
  // Signals coalesce: the count is read once for however many arrived while a send waited.
  const send = () => {
    if (isSendQueued) return;
    isSendQueued = true;
    sending = sending.then(async () => {
      isSendQueued = false;
      if (closed) return;
      const unread = await services.store.review.countUnread(userId, orgId);
      write(`event: unread\ndata: ${JSON.stringify({ unread })}\n\n`);
    }).catch((error: unknown) => services.logger.warn('inbox stream send failed', { error }));
  };
  const unsubscribe = services.pubsub.subscribe(inboxChannel(userId), send);
  // A signal lost while the bus was away: the count is read again.
  const stopResync = services.pubsub.onResync(send);
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
  const check = setInterval(() => {
    void recheck().then((ok) => {
      if (!ok) res.end();
    });
  }, RECHECK_MS);
  const stop = () => {
    closed = true;
    unsubscribe();
    stopResync();
    clearInterval(heartbeat);
    clearInterval(check);
  };
  res.on('close', stop);
  // The first count is read once the subscription is confirmed, so no signal falls between the two.
  void services.pubsub.whenSubscribed(inboxChannel(userId)).then(send);
}

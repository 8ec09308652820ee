import { infiniteQueryOptions, mutationOptions, queryOptions, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { z } from 'zod';
import { NOTIFICATION_KINDS, VERDICTS, type NotificationView } from '../review/types';
import { fetchJson, sendJson } from './api-client';

/**
 * The signed-in person's inbox (docs/API.md, "Inbox"): mentions, replies to
 * their threads, reviews of their artifacts, "addressed" and "resolved",
 * newest first by cursor; marking read; and the live unread count, which the
 * server pushes over `GET /api/v1/inbox/events` (server-sent events).
 */

export const notificationSchema = z.object({
  id: z.string(),
  kind: z.enum(NOTIFICATION_KINDS),
  artifactId: z.string(),
  artifactTitle: z.string(),
  threadId: z.string().nullable(),
  commentId: z.string().nullable(),
  actor: z.object({ kind: z.enum(['user', 'agent']), id: z.string(), name: z.string() }),
  excerpt: z.string(),
  verdict: z.enum(VERDICTS).nullable(),
  version: z.number().int().nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
}) satisfies z.ZodType<NotificationView>;
export type Notification = z.infer<typeof notificationSchema>;

export const inboxPageSchema = z.object({
  items: z.array(notificationSchema),
  unread: z.number().int().nonnegative(),
  nextCursor: z.string().nullable(),
});
export type InboxPage = z.infer<typeof inboxPageSchema>;

const unreadSchema = z.object({ unread: z.number().int().nonnegative() });

export const INBOX_FILTERS = ['unread', 'all'] as const;
export type InboxFilter = (typeof INBOX_FILTERS)[number];

/** Notifications per "Load more". */
export const INBOX_PAGE_SIZE = 30;

export const inboxKeys = {
  all: ['inbox'] as const,
  lists: ['inbox', 'list'] as const,
  list: (filter: InboxFilter) => ['inbox', 'list', filter] as const,
  unread: ['inbox', 'unread'] as const,
};

export const INBOX_EVENTS_PATH = '/api/v1/inbox/events';

export function inboxListPath(filter: InboxFilter, cursor: string | null, limit = INBOX_PAGE_SIZE): string {
  const params = new URLSearchParams({ filter, limit: String(limit) });
  if (cursor) params.set('cursor', cursor);
  return `/api/v1/inbox?${params.toString()}`;
}

export function inboxListQueryOptions(filter: InboxFilter) {
  return infiniteQueryOptions({
    queryKey: inboxKeys.list(filter),
    queryFn: ({ pageParam, signal }) => fetchJson(inboxListPath(filter, pageParam), inboxPageSchema, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
  });
}

/**
 * The unread count by a plain request: the first value before the event
 * stream answers, and the fallback when it cannot connect.
 */
export function inboxUnreadQueryOptions() {
  return queryOptions({
    queryKey: inboxKeys.unread,
    queryFn: ({ signal }) => fetchJson(inboxListPath('unread', null, 1), inboxPageSchema, signal).then((page) => page.unread),
    staleTime: 60_000,
  });
}

export type MarkReadInput = { ids: string[] } | { all: true };

export function markInboxRead(input: MarkReadInput): Promise<{ unread: number }> {
  return sendJson('POST', '/api/v1/inbox/read', input, unreadSchema);
}

/**
 * Marks notifications read. Its callbacks live here, not at the call site,
 * so they still run when the click that marked an item also navigated away.
 */
export function markInboxReadMutationOptions() {
  return mutationOptions({
    mutationKey: ['inbox', 'read'],
    mutationFn: markInboxRead,
    onMutate: (input, context) => {
      // Read at once where the item is already on screen; the refetch below confirms it.
      const readAt = new Date().toISOString();
      const isMarked = (item: Notification) => 'all' in input || input.ids.includes(item.id);
      for (const filter of INBOX_FILTERS) {
        context.client.setQueryData(inboxListQueryOptions(filter).queryKey, (data) =>
          data
            ? { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map((item) => (isMarked(item) && !item.readAt ? { ...item, readAt } : item)) })) }
            : data,
        );
      }
    },
    onSuccess: ({ unread }, _input, _onMutate, context) => {
      context.client.setQueryData(inboxKeys.unread, unread);
    },
    onSettled: (_result, _error, _input, _onMutate, context) => context.client.invalidateQueries({ queryKey: inboxKeys.lists }),
  });
}

// ---- the live unread count ----

/** After a stream fails for good (e.g. signed out, or a proxy that drops it), wait this long before a new one. */
const RECONNECT_MIN_MS = 2_000;
const RECONNECT_MAX_MS = 60_000;
/** Moving between pages unmounts one bell and mounts another: keep the stream through that. */
const LINGER_MS = 3_000;

interface InboxStream {
  holds: number;
  source: EventSource | null;
  retryTimer: ReturnType<typeof setTimeout> | null;
  lingerTimer: ReturnType<typeof setTimeout> | null;
  retryDelayMs: number;
}

/** One stream per QueryClient (that is, per tab), however many bells and pages read it. */
const streams = new WeakMap<QueryClient, InboxStream>();

/** The event's data, or undefined when it is not JSON (which the schema then refuses). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function openStream(client: QueryClient, stream: InboxStream): void {
  const source = new EventSource(INBOX_EVENTS_PATH, { withCredentials: true });
  stream.source = source;
  source.addEventListener('unread', (event) => {
    const parsed = unreadSchema.safeParse(parseJson((event as MessageEvent<string>).data));
    if (!parsed.success) return;
    stream.retryDelayMs = RECONNECT_MIN_MS;
    const previous = client.getQueryData<number>(inboxKeys.unread);
    client.setQueryData(inboxKeys.unread, parsed.data.unread);
    // Something arrived, or was read elsewhere: lists on screen refetch; hidden ones go stale.
    if (previous !== undefined && previous !== parsed.data.unread) void client.invalidateQueries({ queryKey: inboxKeys.lists });
  });
  source.addEventListener('error', () => {
    // A dropped connection is retried by the browser itself (readyState CONNECTING). CLOSED means it gave up.
    if (source.readyState !== EventSource.CLOSED || stream.source !== source) return;
    source.close();
    stream.source = null;
    const delay = stream.retryDelayMs;
    stream.retryDelayMs = Math.min(delay * 2, RECONNECT_MAX_MS);
    stream.retryTimer = setTimeout(() => {
      stream.retryTimer = null;
      // No catch-up request here: after a sign-out it would answer 401, and that sends the page to sign in
      // from a background retry. The stream's first event is the count; focus refetches cover a dead stream.
      if (stream.holds > 0) openStream(client, stream);
    }, delay);
  });
}

function closeStream(stream: InboxStream): void {
  stream.source?.close();
  stream.source = null;
  if (stream.retryTimer) clearTimeout(stream.retryTimer);
  stream.retryTimer = null;
}

/** Holds the tab's inbox stream open; the returned function lets go of it. */
export function retainInboxStream(client: QueryClient): () => void {
  let stream = streams.get(client);
  if (!stream) {
    stream = { holds: 0, source: null, retryTimer: null, lingerTimer: null, retryDelayMs: RECONNECT_MIN_MS };
    streams.set(client, stream);
  }
  const held = stream;
  held.holds += 1;
  if (held.lingerTimer) {
    clearTimeout(held.lingerTimer);
    held.lingerTimer = null;
  }
  if (!held.source && !held.retryTimer) openStream(client, held);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.holds -= 1;
    if (held.holds > 0) return;
    held.lingerTimer = setTimeout(() => {
      held.lingerTimer = null;
      if (held.holds === 0) closeStream(held);
    }, LINGER_MS);
  };
}

/**
 * The signed-in person's unread count, live: the server pushes it on every
 * change, and each change also refreshes any inbox list on screen. `null`
 * until the first answer.
 */
export function useInboxUnread(): number | null {
  const client = useQueryClient();
  const unread = useQuery(inboxUnreadQueryOptions());
  useEffect(() => retainInboxStream(client), [client]);
  return unread.data ?? null;
}

/** "3", or "99+" past 99: what a badge shows. */
export function formatUnreadCount(count: number): string {
  return count > 99 ? '99+' : String(count);
}

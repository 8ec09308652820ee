import type { Notification } from '../../../lib/query/inbox';

/**
 * How an inbox item reads, and how the list is grouped. Pure, so the wording
 * and the day boundaries are tested without a browser
 * (test/ui/inbox-words.test.ts).
 */

/** What the actor did, between their name and the artifact's title: "Bob" + "approved v3 of" + "Rollout plan". */
export function notificationAction(item: Pick<Notification, 'kind' | 'verdict' | 'version'>): string {
  const v = item.version === null ? '' : ` v${item.version}`;
  switch (item.kind) {
    case 'mention':
      return 'mentioned you in';
    case 'reply':
      return 'replied in';
    case 'resolved':
      return 'resolved your thread in';
    case 'addressed':
      return item.version === null ? 'marked a thread addressed in' : `addressed a thread in${v} of`;
    case 'status':
      if (item.verdict === 'approve') return `approved${v} of`;
      if (item.verdict === 'request_changes') return `requested changes on${v} of`;
      return `reviewed${v} of`;
  }
}

const SERVER_STATUS_WORDS = { approve: 'approved', request_changes: 'requested changes on', comment: 'commented on' } as const;

/**
 * The excerpt worth showing: for a review without a summary, or "addressed"
 * without a note, the server fills in words ("Bob approved v3", "Addressed in
 * v4") that the item's own line already says.
 */
export function notificationExcerpt(item: Pick<Notification, 'kind' | 'verdict' | 'version' | 'actor' | 'excerpt'>): string {
  if (item.kind === 'status' && item.verdict && item.version !== null) {
    if (item.excerpt === `${item.actor.name} ${SERVER_STATUS_WORDS[item.verdict]} v${item.version}`) return '';
  }
  if (item.kind === 'addressed' && item.version !== null && item.excerpt === `Addressed in v${item.version}`) return '';
  return item.excerpt;
}

/** Where an item leads: the thread it is about (the review panel opens it from `?thread=`), or the artifact. */
export function notificationHref(item: Pick<Notification, 'artifactId' | 'threadId'>): string {
  const base = `/a/${encodeURIComponent(item.artifactId)}`;
  return item.threadId ? `${base}?thread=${encodeURIComponent(item.threadId)}` : base;
}

export interface DayGroup<T> {
  /** Local calendar day, YYYY-MM-DD: a stable key. */
  key: string;
  label: string;
  items: T[];
}

function localDayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const SAME_YEAR = new Intl.DateTimeFormat('en', { weekday: 'long', month: 'long', day: 'numeric' });
const OTHER_YEAR = new Intl.DateTimeFormat('en', { month: 'long', day: 'numeric', year: 'numeric' });

/** "Today", "Yesterday", "Monday, March 3", "December 30, 2025": in the reader's time zone. */
export function dayLabel(ms: number, nowMs: number): string {
  const key = localDayKey(ms);
  if (key === localDayKey(nowMs)) return 'Today';
  const yesterday = new Date(nowMs);
  yesterday.setDate(yesterday.getDate() - 1);
  if (key === localDayKey(yesterday.getTime())) return 'Yesterday';
  return new Date(ms).getFullYear() === new Date(nowMs).getFullYear() ? SAME_YEAR.format(ms) : OTHER_YEAR.format(ms);
}

/** Consecutive items of one local day together, in the order given (newest first from the API). */
export function groupByDay<T extends { createdAt: string }>(items: readonly T[], nowMs: number): DayGroup<T>[] {
  const groups: DayGroup<T>[] = [];
  for (const item of items) {
    const ms = Date.parse(item.createdAt);
    const key = Number.isFinite(ms) ? localDayKey(ms) : 'unknown';
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.items.push(item);
    else groups.push({ key, label: Number.isFinite(ms) ? dayLabel(ms, nowMs) : 'Earlier', items: [item] });
  }
  return groups;
}

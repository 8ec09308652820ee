'use client';

import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useId, useRef, useState, type KeyboardEvent } from 'react';
import {
  formatUnreadCount,
  inboxListQueryOptions,
  markInboxReadMutationOptions,
  useInboxUnread,
  type InboxFilter,
  type Notification,
} from '../../../lib/query/inbox';
import type { NotificationKind } from '../../../lib/review/types';
import { formatAbsoluteTime, formatRelativeTime } from '../../../lib/ui/format';
import { useNow } from '../../../lib/ui/use-now';
import { Announcer } from '../../_components/announcer';
import { CountBadge } from '../../_components/count-toggle';
import { BusyLabel } from '../../_components/busy-label';
import { CheckIcon } from '../../_components/icons';
import { LoadError } from '../../_components/form-error';
import {
  AddressedIcon,
  ApprovedIcon,
  AtSignIcon,
  ChangesIcon,
  InboxIcon,
  MessageIcon,
  ReplyIcon,
  ResolvedIcon,
} from '../../_components/review-icons';
import { groupByDay, notificationAction, notificationExcerpt, notificationHref } from './inbox-words';
import styles from './inbox.module.css';

const TABS: ReadonlyArray<{ filter: InboxFilter; label: string }> = [
  { filter: 'unread', label: 'Unread' },
  { filter: 'all', label: 'All' },
];

function readFilter(value: string | null): InboxFilter {
  return value === 'all' ? 'all' : 'unread';
}

/**
 * `/inbox`: mentions, replies, reviews of your artifacts, "addressed" and
 * "resolved", newest first and grouped by day. Live: the unread count comes
 * from the server's event stream, and each change refetches the list.
 * Opening an item marks it read.
 */
export function InboxView() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filter = readFilter(searchParams.get('filter'));
  const list = useInfiniteQuery(inboxListQueryOptions(filter));
  const unread = useInboxUnread();
  const markRead = useMutation(markInboxReadMutationOptions());
  const [announcement, setAnnouncement] = useState('');
  const now = useNow();
  const panelId = useId();

  const setFilter = (next: InboxFilter) => {
    setAnnouncement('');
    router.replace(next === 'unread' ? pathname : `${pathname}?filter=${next}`, { scroll: false });
  };

  const markAllRead = () => {
    markRead.mutate({ all: true }, { onSuccess: () => setAnnouncement('All caught up: every notification is marked read.') });
  };

  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const unreadCount = unread ?? list.data?.pages[0]?.unread ?? 0;

  return (
    <>
      <div className={styles.heading}>
        <div>
          <h1>Inbox</h1>
          <p className={styles.subtitle}>Mentions, replies and reviews of your artifacts. Opening one marks it read.</p>
        </div>
        <button
          type="button"
          className="button"
          onClick={markAllRead}
          disabled={unreadCount === 0 || markRead.isPending}
        >
          <BusyLabel busy={markRead.isPending && markRead.variables !== undefined && 'all' in markRead.variables} pending="Marking…">
            <CheckIcon size={15} /> Mark all read
          </BusyLabel>
        </button>
      </div>

      <FilterTabs filter={filter} unread={unreadCount} controls={panelId} onChange={setFilter} />
      <Announcer>{announcement}</Announcer>
      {markRead.isError ? (
        <div className={`alert ${styles.alert}`} role="alert">
          Couldn’t mark as read: {markRead.error.message}
        </div>
      ) : null}

      <div id={panelId} role="tabpanel" aria-labelledby={`inbox-tab-${filter}`} className={styles.panel}>
        {list.isPending ? (
          <InboxSkeleton />
        ) : list.isError ? (
          <LoadError what="your inbox" error={list.error} onRetry={() => void list.refetch()} />
        ) : items.length === 0 ? (
          <EmptyInbox filter={filter} onShowAll={() => setFilter('all')} />
        ) : (
          <>
            {groupByDay(items, now).map((group) => (
              <DaySection key={group.key} label={group.label} items={group.items} now={now} onOpen={(item) => !item.readAt && markRead.mutate({ ids: [item.id] })} />
            ))}
            {list.hasNextPage ? (
              <div className={styles.more}>
                <button type="button" className="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
                  {list.isFetchingNextPage ? (
                    <>
                      <span className="spinner" aria-hidden="true" /> Loading…
                    </>
                  ) : (
                    'Load more'
                  )}
                </button>
              </div>
            ) : (
              <p className={styles.end}>{filter === 'unread' ? 'That’s everything unread.' : 'That’s everything.'}</p>
            )}
          </>
        )}
      </div>
    </>
  );
}

function FilterTabs({ filter, unread, controls, onChange }: { filter: InboxFilter; unread: number; controls: string; onChange(next: InboxFilter): void }) {
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    const target = event.key === 'Home' ? 0 : event.key === 'End' ? TABS.length - 1 : step ? (index + step + TABS.length) % TABS.length : -1;
    if (target < 0) return;
    event.preventDefault();
    onChange(TABS[target].filter);
    refs.current[target]?.focus();
  };
  return (
    <div className={styles.tabs} role="tablist" aria-label="Show">
      {TABS.map((tab, index) => (
        <button
          key={tab.filter}
          ref={(element) => {
            refs.current[index] = element;
          }}
          id={`inbox-tab-${tab.filter}`}
          type="button"
          role="tab"
          aria-selected={filter === tab.filter}
          aria-controls={controls}
          tabIndex={filter === tab.filter ? 0 : -1}
          className={styles.tab}
          onClick={() => onChange(tab.filter)}
          onKeyDown={(event) => onKeyDown(event, index)}
        >
          {tab.label}
          {tab.filter === 'unread' && unread > 0 ? (
            <CountBadge testId="inbox-unread-count">{formatUnreadCount(unread)}</CountBadge>
          ) : null}
        </button>
      ))}
    </div>
  );
}

function DaySection({ label, items, now, onOpen }: { label: string; items: Notification[]; now: number; onOpen(item: Notification): void }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className={styles.day}>
      <h2 id={headingId} className={styles.dayLabel}>
        {label}
      </h2>
      <ul className={`card ${styles.list}`}>
        {items.map((item) => (
          <li key={item.id}>
            <InboxItem item={item} now={now} onOpen={onOpen} />
          </li>
        ))}
      </ul>
    </section>
  );
}

const KIND_ICON: Record<Exclude<NotificationKind, 'status'>, typeof AtSignIcon> = {
  mention: AtSignIcon,
  reply: ReplyIcon,
  addressed: AddressedIcon,
  resolved: ResolvedIcon,
};

/** The icon of a notification's kind (a status change: of its verdict). */
function NotificationIcon({ item, size }: { item: Notification; size: number }) {
  if (item.kind !== 'status') {
    const Icon = KIND_ICON[item.kind];
    return <Icon size={size} />;
  }
  if (item.verdict === 'approve') return <ApprovedIcon size={size} />;
  if (item.verdict === 'request_changes') return <ChangesIcon size={size} />;
  return <MessageIcon size={size} />;
}

/** One notification: a link to what it is about. Names, titles and excerpts are plain text. */
function InboxItem({ item, now, onOpen }: { item: Notification; now: number; onOpen(item: Notification): void }) {
  const isUnread = item.readAt === null;
  const excerpt = notificationExcerpt(item);
  return (
    <Link
      href={notificationHref(item)}
      className={styles.item}
      data-unread={isUnread || undefined}
      onClick={() => onOpen(item)}
      data-testid="inbox-item"
      data-kind={item.kind}
    >
      <span className={styles.icon} data-kind={item.kind} data-verdict={item.verdict ?? undefined} aria-hidden="true">
        <NotificationIcon item={item} size={16} />
      </span>
      <span className={styles.text}>
        <span className={styles.line}>
          {isUnread ? <span className="visually-hidden">Unread: </span> : null}
          <strong className={styles.actor}>{item.actor.name}</strong> {notificationAction(item)}{' '}
          <strong className={styles.title}>{item.artifactTitle}</strong>
        </span>
        {excerpt ? <span className={styles.excerpt}>{excerpt}</span> : null}
      </span>
      <time dateTime={item.createdAt} title={formatAbsoluteTime(item.createdAt)} className={styles.time}>
        {formatRelativeTime(item.createdAt, now)}
      </time>
      {isUnread ? <span className={styles.dot} aria-hidden="true" /> : null}
    </Link>
  );
}

function EmptyInbox({ filter, onShowAll }: { filter: InboxFilter; onShowAll(): void }) {
  return (
    <div className={`card ${styles.empty}`}>
      <span className={styles.emptyIcon} aria-hidden="true">
        <InboxIcon size={22} />
      </span>
      <h2>{filter === 'unread' ? 'You’re all caught up' : 'Nothing here yet'}</h2>
      <p>
        {filter === 'unread'
          ? 'New mentions, replies and reviews of your artifacts will show up here as they happen.'
          : 'When someone mentions you, replies to your thread or reviews your artifact, it shows up here.'}
      </p>
      {filter === 'unread' ? (
        <button type="button" className="button" onClick={onShowAll}>
          Show all notifications
        </button>
      ) : null}
    </div>
  );
}

function InboxSkeleton() {
  return (
    <div className={`card ${styles.list}`} aria-busy="true" aria-label="Loading your inbox">
      {[0, 1, 2].map((n) => (
        <div key={n} className={styles.skeletonRow}>
          <span className={styles.skeletonIcon} />
          <span className={styles.skeletonLines}>
            <span />
            <span />
          </span>
        </div>
      ))}
    </div>
  );
}

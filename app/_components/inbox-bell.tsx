'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { formatUnreadCount, useInboxUnread } from '../../lib/query/inbox';
import { BellIcon } from './review-icons';
import styles from './inbox-bell.module.css';

/**
 * The header's way to the inbox: a bell with the unread count, live (the
 * server pushes every change). No badge at 0; "99+" past 99.
 */
export function InboxBell() {
  const unread = useInboxUnread() ?? 0;
  const pathname = usePathname();
  const label = unread > 0 ? `Inbox, ${unread} unread` : 'Inbox';
  return (
    <Link
      href="/inbox"
      className={`icon-button ${styles.bell}`}
      aria-label={label}
      title={label}
      aria-current={pathname === '/inbox' ? 'page' : undefined}
      data-testid="inbox-bell"
    >
      <BellIcon />
      {unread > 0 ? (
        <span className={styles.badge} aria-hidden="true" data-testid="inbox-badge">
          {formatUnreadCount(unread)}
        </span>
      ) : null}
    </Link>
  );
}

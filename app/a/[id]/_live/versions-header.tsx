import Link from 'next/link';
import type { ReactNode } from 'react';
import { AccountMenu } from '../../../_components/account-menu';
import { InboxBell } from '../../../_components/inbox-bell';
import { ArrowLeftIcon, LoupeMark } from '../../../_components/icons';
import { ThemeToggle } from '../../../_components/theme-toggle';
import styles from './live-header.module.css';

/**
 * The live view's bar for the pages beside it (a version, a comparison): back
 * to the live page, what you are looking at, and you. Same look as LiveHeader.
 */
export function VersionsHeader({ artifactId, title, context, children }: { artifactId: string; title: string; context: string; children?: ReactNode }) {
  return (
    <header className={styles.header}>
      <Link href={`/a/${artifactId}`} className={styles.back} aria-label="Back to the live page" title="Back to the live page">
        <LoupeMark size={24} />
        <ArrowLeftIcon size={16} className={styles.backArrow} />
      </Link>
      <div className={styles.titleBlock}>
        <h1 className={styles.title} title={title}>
          {title || '\u00a0'}
        </h1>
        {context ? (
          <p className={styles.context} title={context}>
            {context}
          </p>
        ) : null}
      </div>
      {children ? <div className={styles.tools}>{children}</div> : null}
      <div className={styles.account}>
        <InboxBell />
        <ThemeToggle />
        <AccountMenu />
      </div>
    </header>
  );
}

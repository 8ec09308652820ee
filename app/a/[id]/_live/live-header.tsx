import Link from 'next/link';
import type { ReactNode } from 'react';
import { AccountMenu } from '../../../_components/account-menu';
import { InboxBell } from '../../../_components/inbox-bell';
import { ArrowLeftIcon, LoupeMark } from '../../../_components/icons';
import { ThemeToggle } from '../../../_components/theme-toggle';
import { LiveStatus } from './live-status';
import { PresenceList, type PresenceFollow } from './presence-list';
import type { ConnectionStatus } from './use-connection-status';
import type { Participant } from './use-presence';
import styles from './live-header.module.css';

interface LiveHeaderProps {
  title: string;
  context: string;
  status: ConnectionStatus;
  participants: Participant[];
  /** Makes other readers' avatars follow buttons. */
  follow?: PresenceFollow;
  isUpdating?: boolean;
  /** Beside the title: the artifact's status and access chips. */
  chips?: ReactNode;
  /** Before the project line: who can see this, in a sentence. */
  accessHint?: string;
  /** Publish, share and admin actions, before the live status. */
  actions?: ReactNode;
  /** The version history toggle, first of the tools. */
  history?: ReactNode;
}

/** The live view's one compact bar: back, what you are looking at, its state, who else is here, you. */
export function LiveHeader({ title, context, status, participants, follow, isUpdating = false, chips, accessHint, actions, history }: LiveHeaderProps) {
  return (
    <header className={styles.header}>
      <Link href="/" className={styles.back} aria-label="Back to artifacts" title="Back to artifacts">
        <LoupeMark size={24} />
        <ArrowLeftIcon size={16} className={styles.backArrow} />
      </Link>
      <div className={styles.titleBlock}>
        <h1 className={styles.title} title={title}>
          {title || '\u00a0'}
        </h1>
        {title && chips ? <div className={styles.chips}>{chips}</div> : null}
        {context || (title && accessHint) ? (
          <p className={styles.context} title={[accessHint, context].filter(Boolean).join(' · ')}>
            {title && accessHint ? <span className={styles.accessHint}>{accessHint}</span> : null}
            {title && accessHint && context ? ' · ' : null}
            {context}
          </p>
        ) : null}
      </div>
      {title ? (
        <div className={styles.tools}>
          {history || actions ? (
            <div className={styles.actions}>
              {history}
              {actions}
            </div>
          ) : null}
          <div className={styles.live}>
            <LiveStatus status={status} isUpdating={isUpdating} />
            <PresenceList participants={participants} follow={follow} />
          </div>
        </div>
      ) : null}
      <div className={styles.account}>
        <InboxBell />
        <ThemeToggle />
        <AccountMenu />
      </div>
    </header>
  );
}

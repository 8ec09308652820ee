import Link from 'next/link';
import { AccountMenu } from '../../../_components/account-menu';
import { ArrowLeftIcon, LoupeMark } from '../../../_components/icons';
import { ThemeToggle } from '../../../_components/theme-toggle';
import { LiveStatus } from './live-status';
import { PresenceList } from './presence-list';
import type { ConnectionStatus } from './use-connection-status';
import type { Participant } from './use-presence';
import styles from './live-header.module.css';

interface LiveHeaderProps {
  title: string;
  context: string;
  status: ConnectionStatus;
  participants: Participant[];
  isUpdating?: boolean;
}

/** The live view's one compact bar: back, what you are looking at, its state, who else is here, you. */
export function LiveHeader({ title, context, status, participants, isUpdating = false }: LiveHeaderProps) {
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
        {context ? (
          <p className={styles.context} title={context}>
            {context}
          </p>
        ) : null}
      </div>
      {title ? (
        <div className={styles.live}>
          <LiveStatus status={status} isUpdating={isUpdating} />
          <PresenceList participants={participants} />
        </div>
      ) : null}
      <div className={styles.account}>
        <ThemeToggle />
        <AccountMenu />
      </div>
    </header>
  );
}

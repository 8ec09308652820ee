import Link from 'next/link';
import type { ReactNode } from 'react';
import { AccountMenu } from '../../../_components/account-menu';
import { InboxBell } from '../../../_components/inbox-bell';
import { ArrowLeftIcon, LoupeMark, MoreIcon } from '../../../_components/icons';
import { Menu } from '../../../_components/menu';
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
  /** Wide screens: the version history toggle, first of the tools. */
  history?: ReactNode;
  /** The comments toggle, at every width. */
  comments?: ReactNode;
  /** Wide screens: review, publish, share and admin actions, after the comments toggle. */
  actions?: ReactNode;
  /** Narrow screens: history and the actions again, as items of one "More" menu (MenuItem and kin). */
  overflow?: ReactNode;
  /** Something new inside the "More" menu, in words ("2 new versions"): a dot on the button, and said with its name. */
  overflowNews?: string;
}

/** The "More" button's test id (e2e specs, and focusHeaderControl). */
const MORE_TEST_ID = 'header-more';

/**
 * Focuses a header control by its test id; on narrow screens, where it lives
 * in the "More" menu, the "More" button instead (for panels that close and
 * hand focus back to what opened them).
 */
export function focusHeaderControl(testId: string): void {
  const control = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (control && control.getClientRects().length > 0) return control.focus();
  document.querySelector<HTMLElement>(`[data-testid="${MORE_TEST_ID}"]`)?.focus();
}

/**
 * The live view's one compact bar: back, what you are looking at, its state,
 * who else is here, you. Wide screens show every action as a button; below
 * 1200 px history and the actions fold into one "More" menu and only the
 * comments toggle stays out. Both are rendered and CSS picks one, so nothing
 * jumps on load; the one not shown is display:none, out of the tab order and
 * the accessibility tree.
 */
export function LiveHeader({
  title,
  context,
  status,
  participants,
  follow,
  isUpdating = false,
  chips,
  accessHint,
  history,
  comments,
  actions,
  overflow,
  overflowNews,
}: LiveHeaderProps) {
  const hasTools = Boolean(history || comments || actions || overflow);
  return (
    <header className={styles.header}>
      <Link href="/" className={styles.back} aria-label="Back to artifacts" title="Back to artifacts">
        <LoupeMark size={24} />
        <ArrowLeftIcon size={16} className={styles.backArrow} />
      </Link>
      <div className={styles.titleBlock}>
        <div className={styles.titleLines}>
          <h1 className={styles.title} title={title}>
            {title || '\u00a0'}
          </h1>
          <div className={styles.meta}>
            {title && chips ? <div className={styles.chips}>{chips}</div> : null}
            {context || (title && accessHint) ? (
              <p className={styles.context} title={[accessHint, context].filter(Boolean).join(' · ')}>
                {title && accessHint ? <span className={styles.accessHint}>{accessHint}</span> : null}
                {title && accessHint && context ? ' · ' : null}
                {context}
              </p>
            ) : null}
          </div>
        </div>
      </div>
      {title ? (
        <div className={styles.tools}>
          {hasTools ? (
            <div className={styles.actions}>
              {history ? <div className={styles.wide}>{history}</div> : null}
              {comments}
              {actions ? <div className={styles.wide}>{actions}</div> : null}
              {overflow ? (
                <Menu
                  className={styles.narrow}
                  label={overflowNews ? `More, ${overflowNews}` : 'More'}
                  title="More"
                  testId={MORE_TEST_ID}
                  buttonClassName={`icon-button ${styles.moreButton}`}
                  button={
                    <>
                      <MoreIcon size={18} />
                      {overflowNews ? <span className={styles.newsDot} aria-hidden="true" /> : null}
                    </>
                  }
                >
                  {overflow}
                </Menu>
              ) : null}
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

import { AccountMenu } from './account-menu';
import { Brand } from './brand';
import { InboxBell } from './inbox-bell';
import { OrgName } from './org-name';
import { ThemeToggle } from './theme-toggle';
import styles from './app-header.module.css';

/** The shell's top bar: brand and organization on the left, inbox, theme and account on the right. */
export function AppHeader() {
  return (
    <header className={styles.header}>
      <div className={styles.inner}>
        <div className={styles.left}>
          <Brand />
          <OrgName />
        </div>
        <div className={styles.right}>
          <InboxBell />
          <ThemeToggle />
          <AccountMenu />
        </div>
      </div>
    </header>
  );
}

import { AccountMenu } from './account-menu';
import { Brand } from './brand';
import { OrgName } from './org-name';
import { ThemeToggle } from './theme-toggle';
import styles from './app-header.module.css';

/** The shell's top bar: brand and organization on the left, theme and account on the right. */
export function AppHeader() {
  return (
    <header className={styles.header}>
      <div className={styles.inner}>
        <div className={styles.left}>
          <Brand />
          <OrgName />
        </div>
        <div className={styles.right}>
          <ThemeToggle />
          <AccountMenu />
        </div>
      </div>
    </header>
  );
}

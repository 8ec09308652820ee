import type { ReactNode } from 'react';
import { Brand } from './brand';
import { ThemeToggle } from './theme-toggle';
import styles from './auth-screen.module.css';

/** A page outside the app shell: the brand, the theme toggle, and one centered card. */
export function AuthScreen({ children, below }: { children: ReactNode; below?: ReactNode }) {
  return (
    <div className={styles.screen}>
      <div className={styles.brandCorner}>
        <Brand />
      </div>
      <div className={styles.corner}>
        <ThemeToggle />
      </div>
      <main id="main" tabIndex={-1} className={styles.main}>
        <div className={styles.card}>{children}</div>
        {below ? <div className={styles.below}>{below}</div> : null}
      </main>
    </div>
  );
}

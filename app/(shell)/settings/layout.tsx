import type { ReactNode } from 'react';
import { SettingsNav } from './settings-nav';
import styles from './settings.module.css';

/** `/settings/*`: the organization's settings, members and agent tokens. */
export default function SettingsLayout({ children }: { children: ReactNode }) {
  return (
    <main id="main" tabIndex={-1} className="page">
      <div className={styles.header}>
        <h1>Settings</h1>
        <p className={styles.subtitle}>Your organization, who is in it, and the tokens your agents publish with.</p>
      </div>
      <div className={styles.layout}>
        <SettingsNav />
        <div className={styles.content}>{children}</div>
      </div>
    </main>
  );
}

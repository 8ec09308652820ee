'use client';

import { useSyncExternalStore } from 'react';
import { CopyButton } from './copy-button';
import styles from './empty-state.module.css';

const subscribeNever = () => () => {};

/** No artifacts yet: show exactly how an agent publishes the first one. */
export function EmptyState() {
  // The app's own origin, known only in the browser (the server may sit behind a proxy).
  const origin = useSyncExternalStore(subscribeNever, () => window.location.origin, () => 'http://localhost:3000');
  const commands = [
    `export LOUPE_URL=${origin}`,
    'export LOUPE_TOKEN=loupe_…   # printed by npm start on first run',
    'npx loupe push report.html --title "Weekly report"',
  ];
  return (
    <section className={`card ${styles.empty}`} aria-labelledby="empty-title">
      <div className={styles.art} aria-hidden="true">
        <span />
        <span />
        <span />
      </div>
      <h2 id="empty-title">No artifacts yet</h2>
      <p className={styles.lede}>
        Artifacts are self-contained HTML pages that agents publish: PR walkthroughs, incident timelines, dashboards. Publish one from any
        terminal, and it appears here and updates live while the agent keeps writing.
      </p>
      <div className={styles.code}>
        {/* Focusable so keyboard users can scroll it sideways on narrow screens. */}
        <pre aria-label="Commands to publish an artifact" tabIndex={0}>
          <code>{commands.join('\n')}</code>
        </pre>
        <CopyButton text={commands.filter((line) => !line.includes('…')).join('\n')} label="Copy commands" />
      </div>
      <p className={styles.note}>
        Use <code>npx loupe watch report.html</code> to keep publishing as the file changes.
      </p>
    </section>
  );
}

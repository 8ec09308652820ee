'use client';

import Link from 'next/link';
import type { CSSProperties } from 'react';
import { viewLabel } from '../_live/use-presence';
import type { Follow } from './use-follow';
import { followHref } from './use-review-presence';
import styles from './follow-pill.module.css';

/**
 * "Following Alice · Stop", over the top of the frame while following. When
 * she has another page open, it says which and links there (following
 * carries on); while she is away (changing pages), it waits for her.
 */
export function FollowPill({ artifactId, follow }: { artifactId: string; follow: Follow }) {
  const { target, leader, isLeaderElsewhere } = follow;
  const name = leader?.name ?? target?.name ?? '';
  const where = leader && isLeaderElsewhere ? viewLabel(leader.view) : null;
  return (
    // Always in the page, so its changes are read out.
    <div className={styles.anchor} role="status">
      {target ? (
        <div className={styles.pill} style={{ '--leader-color': leader?.color ?? 'var(--text-subtle)' } as CSSProperties} data-testid="follow-pill">
          <span className={styles.dot} aria-hidden="true" />
          <span className={styles.text}>
            {leader === null ? (
              <>Waiting for {name || 'the reader you follow'}…</>
            ) : where && leader.view ? (
              <>
                {name} is on {where === 'Live' ? 'the live page' : where}
                {' — '}
                <Link
                  className={styles.open}
                  href={followHref(artifactId, leader.view, leader.userId)}
                  aria-label={`Open ${where === 'Live' ? 'the live page' : where} and keep following ${name}`}
                >
                  open
                </Link>
              </>
            ) : (
              <>
                Following <strong>{name}</strong>
              </>
            )}
          </span>
          <button type="button" className={styles.stop} onClick={follow.stop} aria-keyshortcuts="Escape" title="Stop following (Esc)">
            Stop
          </button>
        </div>
      ) : null}
    </div>
  );
}

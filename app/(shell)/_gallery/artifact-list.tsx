import Link from 'next/link';
import type { ArtifactSummary } from '../../../lib/query/schemas';
import { formatAbsoluteTime, formatBytes, formatRelativeTime, joinContext } from '../../../lib/ui/format';
import { DocumentIcon, LockIcon, ShieldIcon } from '../../_components/icons';
import styles from './artifact-list.module.css';

/** Updated this recently counts as "being worked on" and gets the live dot. */
const RECENT_UPDATE_MS = 2 * 60_000;

export function ArtifactList({ items, now }: { items: ArtifactSummary[]; now: number }) {
  return (
    <ul className={`card ${styles.list}`} aria-label="Artifacts">
      {items.map((item) => (
        <ArtifactRow key={item.id} item={item} now={now} />
      ))}
    </ul>
  );
}

function ArtifactRow({ item, now }: { item: ArtifactSummary; now: number }) {
  const context = joinContext(item.project, item.session);
  const isRecent = now - Date.parse(item.updatedAt) < RECENT_UPDATE_MS;
  return (
    <li className={styles.row}>
      <div className={styles.icon} aria-hidden="true">
        <DocumentIcon size={18} />
      </div>
      <div className={styles.main}>
        <Link href={`/a/${item.id}`} className={styles.title}>
          {item.title}
        </Link>
        <p className={styles.context}>{context || <span className={styles.none}>No project</span>}</p>
      </div>
      <div className={styles.meta}>
        {item.status === 'draft' || item.legalHold ? (
          <span className={styles.flags}>
            {item.status === 'draft' ? (
              <span
                className={`chip ${styles.flag}`}
                data-tone="draft"
                title={item.publishRequested ? 'Draft: publication requested' : 'Draft: not published yet'}
              >
                <LockIcon size={11} />
                {item.publishRequested ? 'Draft · requested' : 'Draft'}
              </span>
            ) : null}
            {item.legalHold ? (
              <span className={`chip ${styles.flag}`} data-tone="hold" title="On legal hold: retention will not delete it">
                <ShieldIcon size={11} />
                Legal hold
              </span>
            ) : null}
          </span>
        ) : null}
        <span className="chip">{item.kind}</span>
        <span className={styles.updated}>
          {isRecent ? <span className={styles.recentDot} aria-hidden="true" /> : null}
          <span className="visually-hidden">Updated </span>
          <time dateTime={item.updatedAt} title={`Updated ${formatAbsoluteTime(item.updatedAt)}`}>
            {formatRelativeTime(item.updatedAt, now)}
          </time>
        </span>
        <span className={styles.size}>
          <span className="visually-hidden">Size </span>
          {formatBytes(item.sizeBytes)}
        </span>
      </div>
    </li>
  );
}

export function ArtifactListSkeleton() {
  return (
    <ul className={`card ${styles.list}`} aria-busy="true" aria-label="Loading artifacts">
      {Array.from({ length: 5 }, (_, i) => (
        <li key={i} className={styles.row}>
          <div className={`${styles.icon} ${styles.shimmer}`} />
          <div className={styles.main}>
            <div className={`${styles.bar} ${styles.shimmer}`} style={{ width: `${40 + ((i * 17) % 30)}%` }} />
            <div className={`${styles.bar} ${styles.barSmall} ${styles.shimmer}`} />
          </div>
        </li>
      ))}
    </ul>
  );
}

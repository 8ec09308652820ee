import Link from 'next/link';
import type { AuditEntry } from '../../../lib/query/audit';
import { formatRelativeTime } from '../../../lib/ui/format';
import { actionWords, summarizeDetails } from './audit-actions';
import styles from './audit.module.css';

/** "2026-11-23 21:04:09": the entry's own UTC time, to the second. */
function utcTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19).replace('T', ' ') : iso;
}

const KIND_LABEL: Record<AuditEntry['actor']['kind'], string> = { user: 'user', agent: 'agent', system: 'system', anonymous: 'anonymous' };

/**
 * The log as a dense table. Every user-provided value (names, titles,
 * details) is rendered as text. Under 720 px each row stacks into a block;
 * the explicit roles keep it a table for screen readers whatever CSS does.
 */
export function AuditTable({ items, now }: { items: AuditEntry[]; now: number }) {
  // Views and other entries name the artifact by id only: borrow its title from any loaded entry that has it.
  const titles = new Map<string, string>();
  for (const entry of items) {
    if (entry.artifactId && entry.target?.type === 'artifact' && entry.target.label && !titles.has(entry.artifactId)) {
      titles.set(entry.artifactId, entry.target.label);
    }
  }
  return (
    <div className={`card ${styles.tableCard}`}>
      <table className={styles.table} role="table">
        <caption className="visually-hidden">Audit log entries, newest first. Times are UTC.</caption>
        <thead>
          <tr role="row">
            <th scope="col" role="columnheader">
              Time (UTC)
            </th>
            <th scope="col" role="columnheader">
              Actor
            </th>
            <th scope="col" role="columnheader">
              Action
            </th>
            <th scope="col" role="columnheader">
              Target
            </th>
            <th scope="col" role="columnheader">
              From
            </th>
            <th scope="col" role="columnheader">
              Details
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((entry) => (
            <AuditRow key={entry.seq} entry={entry} now={now} artifactTitle={entry.artifactId ? titles.get(entry.artifactId) : undefined} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AuditRow({ entry, now, artifactTitle }: { entry: AuditEntry; now: number; artifactTitle?: string }) {
  const words = actionWords(entry);
  const summary = summarizeDetails(entry);
  const rawDetails = Object.keys(entry.details).length > 0 ? JSON.stringify(entry.details, null, 2) : '';
  return (
    <tr role="row" className={styles.row} data-testid="audit-row" data-action={entry.action}>
      <td role="cell" className={styles.time}>
        <time dateTime={entry.at} className={styles.utc}>
          {utcTime(entry.at)}
        </time>
        <span className={styles.sub}>
          <span className={styles.seq}>#{entry.seq}</span> · {formatRelativeTime(entry.at, now)}
        </span>
      </td>
      <td role="cell" className={styles.actor}>
        <span className={styles.actorName}>{entry.actor.name}</span>{' '}
        <span className={styles.kind} data-kind={entry.actor.kind}>
          {KIND_LABEL[entry.actor.kind]}
        </span>
      </td>
      <td role="cell" className={styles.action}>
        <span className={styles.actionWords} title={entry.action}>
          {words}
        </span>
        <code className={styles.code}>{entry.action}</code>
      </td>
      <td role="cell" className={styles.target}>
        <Target entry={entry} artifactTitle={artifactTitle} />
      </td>
      <td role="cell" className={styles.from}>
        <span className={styles.cellLabel} aria-hidden="true">
          From{' '}
        </span>
        {entry.ip ? (
          <span className={styles.ip} title={entry.userAgent ?? undefined}>
            {entry.ip}
          </span>
        ) : (
          <span className={styles.none}>—</span>
        )}
      </td>
      <td role="cell" className={styles.details} title={rawDetails || undefined}>
        {summary || <span className={styles.none}>—</span>}
      </td>
    </tr>
  );
}

function Target({ entry, artifactTitle }: { entry: AuditEntry; artifactTitle?: string }) {
  const { target, artifactId } = entry;
  const label = target?.label || null;
  if (artifactId) {
    const isArtifactTarget = !target || target.type === 'artifact';
    const title = (isArtifactTarget ? label : null) ?? artifactTitle ?? null;
    return (
      <>
        <Link href={`/a/${artifactId}`} className={styles.targetLink} title={`Open artifact ${artifactId}`}>
          {title ?? `Artifact ${artifactId.slice(0, 8)}`}
        </Link>
        {!isArtifactTarget && target ? (
          <span className={styles.sub}>
            {target.type}: {label ?? target.id}
          </span>
        ) : null}
      </>
    );
  }
  if (target) {
    return (
      <>
        <span className={styles.targetText}>{label ?? target.id ?? target.type}</span>
        <span className={styles.sub}>{target.type}</span>
      </>
    );
  }
  return <span className={styles.none}>—</span>;
}

export function AuditTableSkeleton() {
  return (
    <div className={`card ${styles.tableCard} ${styles.skeleton}`} aria-busy="true" aria-label="Loading the audit log">
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className={styles.skeletonRow}>
          <span className={styles.shimmer} style={{ width: '14%' }} />
          <span className={styles.shimmer} style={{ width: `${14 + ((i * 7) % 10)}%` }} />
          <span className={styles.shimmer} style={{ width: '12%' }} />
          <span className={styles.shimmer} style={{ width: `${18 + ((i * 11) % 14)}%` }} />
        </div>
      ))}
    </div>
  );
}

'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useId, useRef, useState } from 'react';
import { metaOf } from '../../../../lib/artifact/doc-shape';
import {
  formatBytes,
  relativeTime,
  restoreVersionMutationOptions,
  versionKeys,
  versionListQueryOptions,
  type Version,
} from '../../../../lib/query/versions';
import { CountToggle } from '../../../_components/count-toggle';
import { ConfirmDialog } from '../../../_components/confirm-dialog';
import { LoadError } from '../../../_components/form-error';
import type { CollabSession } from './use-collab-session';
import { useSeenBaseline } from './versions-seen';
import styles from './versions-panel.module.css';

/** The content room announces new versions here (docs/API.md, "Versions"). */
export const LATEST_VERSION_KEY = 'latestVersion';

export function HistoryIcon({ size = 16 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M3 12a9 9 0 1 0 3-6.7L3 8" />
      <path d="M3 3v5h5" />
      <path d="M12 7v5l3 2" />
    </svg>
  );
}

/**
 * The artifact's versions for the live view: the list (refetched whenever the
 * room's `meta.latestVersion` moves, so it is live without polling) and the
 * reader's "last seen" baseline.
 */
export function useVersionHistory(artifactId: string, session: CollabSession | null) {
  const client = useQueryClient();
  const list = useQuery(versionListQueryOptions(artifactId));
  const latest = list.data?.[0]?.n ?? null;
  const seen = useSeenBaseline(artifactId, latest);

  useEffect(() => {
    if (!session) return;
    const map = metaOf(session.doc);
    let known = map.get(LATEST_VERSION_KEY);
    const onChange = () => {
      const next = map.get(LATEST_VERSION_KEY);
      if (next === known) return;
      known = next;
      void client.invalidateQueries({ queryKey: versionKeys.all(artifactId) });
    };
    map.observe(onChange);
    // The room may have moved on between the first fetch and joining it.
    onChange();
    return () => map.unobserve(onChange);
  }, [artifactId, client, session]);

  const newCount = seen === null || !list.data ? 0 : list.data.filter((v) => v.n > seen).length;
  return { list, latest, seen, newCount };
}

export type VersionHistory = ReturnType<typeof useVersionHistory>;

/** The header's toggle: "History", with how many versions are new since the last visit. */
export function HistoryButton({ open, newCount, onToggle, controls }: { open: boolean; newCount: number; onToggle(): void; controls: string }) {
  return (
    <CountToggle
      open={open}
      controls={controls}
      onToggle={onToggle}
      icon={<HistoryIcon />}
      label="History"
      count={newCount}
      countLabel={`, ${newCount} new`}
      testId="history-toggle"
    />
  );
}

function kindLabel(version: Version): string {
  if (version.kind === 'restore') return version.restoredFrom ? `Restored from v${version.restoredFrom}` : 'Restored';
  return version.kind === 'named' ? 'Named' : 'Auto';
}

interface VersionsPanelProps {
  id: string;
  artifactId: string;
  history: VersionHistory;
  canRestore: boolean;
  onClose(): void;
  onNotice(notice: { tone: 'success' | 'error'; text: string }): void;
}

/**
 * The timeline: newest first, each version with its kind, author, time,
 * message and change size; links to view it and compare it, and (editors)
 * a restore behind a confirmation. A side panel on wide screens, a sheet on
 * narrow ones (CSS decides).
 */
export function VersionsPanel({ id, artifactId, history, canRestore, onClose, onNotice }: VersionsPanelProps) {
  const [namedOnly, setNamedOnly] = useState(false);
  const named = useQuery({ ...versionListQueryOptions(artifactId, { named: true }), enabled: namedOnly });
  const query = namedOnly ? named : history.list;
  const [restoring, setRestoring] = useState<Version | null>(null);
  const restore = useMutation(restoreVersionMutationOptions(artifactId));
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const now = useNow();
  const { seen, latest } = history;

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  const confirmRestore = () => {
    if (!restoring) return;
    const from = restoring.n;
    restore.mutate(from, {
      onSuccess: (version) => {
        setRestoring(null);
        onNotice({ tone: 'success', text: `Restored v${from}. The page is now v${version.n}.` });
      },
    });
  };

  return (
    <aside
      id={id}
      className={styles.panel}
      aria-labelledby={headingId}
      data-testid="versions-panel"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && !restoring) {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <div className={styles.head}>
        <h2 id={headingId} ref={headingRef} tabIndex={-1} className={styles.title}>
          Versions
        </h2>
        <label className={styles.filter}>
          <input type="checkbox" checked={namedOnly} onChange={(event) => setNamedOnly(event.target.checked)} />
          Named only
        </label>
        <button type="button" className={`icon-button ${styles.close}`} onClick={onClose} aria-label="Close history" title="Close history">
          <svg width={18} height={18} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" aria-hidden="true" focusable="false">
            <path d="M6 6l12 12M18 6L6 18" />
          </svg>
        </button>
      </div>
      {seen !== null && latest !== null && latest > seen ? (
        <div className={styles.since} data-testid="new-since">
          <span>
            <strong>{history.newCount} new</strong> since you last looked (v{seen}).
          </span>
          <Link className={styles.sinceLink} href={`/a/${artifactId}/compare?from=${seen}&to=${latest}`}>
            Compare with what you last saw
          </Link>
        </div>
      ) : null}
      <div className={styles.body}>
        {query.isPending ? (
          <p className={styles.empty}>
            <span className="spinner" aria-hidden="true" /> Loading versions…
          </p>
        ) : query.isError ? (
          <LoadError what="the versions" error={query.error} onRetry={() => void query.refetch()} />
        ) : query.data.length === 0 ? (
          <p className={styles.empty}>{namedOnly ? 'No named versions yet.' : 'No versions yet. One is cut when the agent pauses writing or names a checkpoint.'}</p>
        ) : (
          <ol className={styles.list} aria-label={namedOnly ? 'Named versions, newest first' : 'Versions, newest first'}>
            {query.data.map((version) => {
              const isNew = seen !== null && version.n > seen;
              const isLatest = version.n === latest;
              return (
                <li key={version.n} className={styles.entry} data-kind={version.kind} data-new={isNew || undefined} data-testid="version-entry">
                  <div className={styles.entryHead}>
                    <Link href={`/a/${artifactId}/v/${version.n}`} className={styles.number} aria-label={`v${version.n}: view this version`}>
                      v{version.n}
                    </Link>
                    <span className={`chip ${styles.kind}`} data-kind={version.kind}>
                      {kindLabel(version)}
                    </span>
                    {isLatest ? <span className={`chip ${styles.current}`}>Current</span> : null}
                    {isNew ? <span className={`chip ${styles.new}`}>New</span> : null}
                    <time className={styles.time} dateTime={version.createdAt} title={new Date(version.createdAt).toLocaleString()}>
                      {relativeTime(version.createdAt, now)}
                    </time>
                  </div>
                  {version.message ? <p className={styles.message}>{version.message}</p> : null}
                  <p className={styles.meta}>
                    {version.author.kind === 'agent' ? <span className={`chip ${styles.agent}`}>Agent</span> : null}
                    <span className={styles.author}>{version.author.name || (version.author.kind === 'agent' ? 'An agent' : 'Someone')}</span>
                    <span aria-hidden="true">·</span>
                    <span title={`Page size ${formatBytes(version.sizeBytes)}`}>{version.n === 1 ? formatBytes(version.sizeBytes) : `${formatBytes(version.changeBytes)} changed`}</span>
                  </p>
                  <div className={styles.actions}>
                    <Link className={styles.action} href={`/a/${artifactId}/v/${version.n}`}>
                      View
                    </Link>
                    {version.n > 1 ? (
                      <Link className={styles.action} href={`/a/${artifactId}/compare?from=${version.n - 1}&to=${version.n}`} aria-label={`Compare with previous: v${version.n - 1} to v${version.n}`}>
                        Compare with previous
                      </Link>
                    ) : null}
                    {canRestore && !isLatest ? (
                      <button type="button" className={styles.action} onClick={() => setRestoring(version)} aria-label={`Restore v${version.n}`}>
                        Restore
                      </button>
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ol>
        )}
      </div>
      <ConfirmDialog
        open={restoring !== null}
        title={restoring ? `Restore v${restoring.n}?` : 'Restore'}
        confirmLabel={restoring ? `Restore v${restoring.n}` : 'Restore'}
        pendingLabel="Restoring…"
        pending={restore.isPending}
        error={restore.error ? `Couldn’t restore: ${restore.error.message}` : null}
        onConfirm={confirmRestore}
        onClose={() => {
          if (restore.isPending) return;
          setRestoring(null);
          restore.reset();
        }}
      >
        <p>
          The live page goes back to how it stood at v{restoring?.n}
          {restoring?.message ? <> (“{restoring.message}”)</> : null}. Everyone watching sees it change. This adds a new version; nothing in the history is lost.
        </p>
      </ConfirmDialog>
    </aside>
  );
}

/** A clock for relative times that ticks each half minute. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

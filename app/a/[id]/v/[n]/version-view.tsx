'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import { isApiError } from '../../../../../lib/query/api-client';
import { artifactQueryOptions } from '../../../../../lib/query/artifacts';
import { meQueryOptions } from '../../../../../lib/query/me';
import { relativeTime, versionContentQueryOptions, versionListQueryOptions, type Version } from '../../../../../lib/query/versions';
import { Announcer } from '../../../../_components/announcer';
import { LoadError } from '../../../../_components/form-error';
import { ArtifactNotFoundPanel } from '../../../../_components/not-found-panel';
import { FollowPill } from '../../_review/follow-pill';
import { ScrollRail } from '../../_review/scroll-rail';
import { useReviewPresence } from '../../_review/use-review-presence';
import { PresenceList } from '../../_live/presence-list';
import { useCollabSession } from '../../_live/use-collab-session';
import { VersionFrame } from '../../_live/versions-frame';
import { VersionsHeader } from '../../_live/versions-header';
import { rememberSeenVersion } from '../../_live/versions-seen';
import notFoundStyles from '../../../../_components/not-found-panel.module.css';
import styles from './version-view.module.css';

function kindText(version: Version): string {
  if (version.kind === 'restore') return version.restoredFrom ? `restored from v${version.restoredFrom}` : 'restored';
  return version.kind === 'named' ? 'named' : 'auto';
}

/**
 * One version, read-only, in the same sandboxed frame as the live page.
 * Previous / next swap the page inside the frame (the reader keeps their
 * place) and the address follows without a navigation.
 */
export function VersionView({ artifactId, initialN }: { artifactId: string; initialN: number | null }) {
  const [n, setN] = useState(initialN);
  const client = useQueryClient();
  const me = useQuery(meQueryOptions());
  const artifact = useQuery(artifactQueryOptions(artifactId));
  const list = useQuery(versionListQueryOptions(artifactId));
  const versions = useMemo(() => list.data ?? [], [list.data]);
  const version = n === null ? undefined : versions.find((v) => v.n === n);
  const latest = versions[0]?.n ?? null;
  const content = useQuery({ ...versionContentQueryOptions(artifactId, n ?? 0), enabled: version !== undefined });
  // Readers of this version show as such in the review room; following works here as on the live page.
  const reviewSession = useCollabSession(artifactId, 'review');
  const viewer = useMemo(() => (me.data ? { id: me.data.user.id, name: me.data.user.name, color: me.data.user.color } : null), [me.data]);
  const presence = useReviewPresence({ review: reviewSession, content: null, viewer, view: version ? { version: version.n } : null });
  // Keep the last page on screen while the next one loads, so the frame never blanks.
  const [shown, setShown] = useState<string | null>(null);
  useEffect(() => {
    if (content.data !== undefined) setShown(content.data);
  }, [content.data]);

  const isArtifactMissing = isApiError(artifact.error) && artifact.error.status === 404;
  const isVersionMissing = n === null || (list.isSuccess && version === undefined);
  const title = artifact.data?.title ?? '';

  useEffect(() => {
    document.title = isArtifactMissing
      ? 'Artifact not found · Loupe'
      : isVersionMissing
        ? 'Version not found · Loupe'
        : `v${n}${title ? ` · ${title}` : ''} · Loupe`;
  }, [isArtifactMissing, isVersionMissing, n, title]);

  useEffect(() => {
    if (version) rememberSeenVersion(artifactId, version.n);
  }, [artifactId, version]);

  // Neighbours load before the reader asks for them.
  useEffect(() => {
    if (n === null || !list.isSuccess) return;
    for (const other of [n - 1, n + 1]) {
      if (versions.some((v) => v.n === other)) void client.prefetchQuery(versionContentQueryOptions(artifactId, other));
    }
  }, [artifactId, client, list.isSuccess, n, versions]);

  const go = (next: number) => {
    setN(next);
    window.history.replaceState(window.history.state, '', `/a/${artifactId}/v/${next}`);
  };

  // Following someone who steps to another version: step with them, in place.
  const leaderView = presence.follow.leader?.view;
  const leaderVersion = leaderView && leaderView !== 'live' ? leaderView.version : null;
  useEffect(() => {
    if (leaderVersion === null || leaderVersion === n || !versions.some((v) => v.n === leaderVersion)) return;
    setN(leaderVersion);
    window.history.replaceState(window.history.state, '', `/a/${artifactId}/v/${leaderVersion}`);
  }, [artifactId, leaderVersion, n, versions]);

  if (isArtifactMissing) {
    return (
      <div className={styles.view}>
        <VersionsHeader artifactId={artifactId} title="" context="" />
        <main id="main" tabIndex={-1}>
          <ArtifactNotFoundPanel />
        </main>
      </div>
    );
  }

  const index = version ? versions.indexOf(version) : -1;
  const newer = index > 0 ? versions[index - 1] : undefined;
  const older = index >= 0 && index < versions.length - 1 ? versions[index + 1] : undefined;
  const context = [artifact.data?.project, artifact.data?.session].filter(Boolean).join(' · ');

  return (
    <div className={styles.view}>
      <VersionsHeader artifactId={artifactId} title={title} context={context}>
        <PresenceList participants={presence.participants} follow={{ clientId: presence.followingClientId, toggle: presence.toggleFollow }} />
      </VersionsHeader>
      {isVersionMissing ? (
        <main id="main" tabIndex={-1}>
          <section className={notFoundStyles.panel} aria-labelledby="version-missing-title" data-testid="version-not-found">
            <p className={notFoundStyles.code} aria-hidden="true">
              404
            </p>
            <h1 id="version-missing-title">Version not found</h1>
            <p className={notFoundStyles.message}>
              {latest === null
                ? 'This artifact has no versions yet.'
                : latest === 1
                  ? 'This artifact has only v1.'
                  : `This artifact has versions v1 to v${latest}${n !== null ? `, not v${n}` : ''}.`}
            </p>
            <div className={styles.notFoundActions}>
              <Link href={`/a/${artifactId}`} className="button button-primary">
                Back to live
              </Link>
              {latest !== null ? (
                <Link href={`/a/${artifactId}/v/${latest}`} className="button">
                  See v{latest}
                </Link>
              ) : null}
            </div>
          </section>
        </main>
      ) : (
        <>
          <div className={styles.banner} data-testid="version-banner">
            <nav className={styles.stepper} aria-label="Versions">
              <button
                type="button"
                className={`button ${styles.step}`}
                disabled={!older}
                onClick={() => older && go(older.n)}
                aria-label={older ? `Previous version, v${older.n}` : 'No previous version'}
                title={older ? `v${older.n}` : undefined}
              >
                <Chevron direction="left" />
              </button>
              <button
                type="button"
                className={`button ${styles.step}`}
                disabled={!newer}
                onClick={() => newer && go(newer.n)}
                aria-label={newer ? `Next version, v${newer.n}` : 'No next version'}
                title={newer ? `v${newer.n}` : undefined}
              >
                <Chevron direction="right" />
              </button>
            </nav>
            <p className={styles.summary}>
              <strong data-testid="version-position">
                Viewing v{n}
                {latest !== null ? ` of ${latest}` : ''}
              </strong>
              {version ? (
                <>
                  <span className={styles.dot} aria-hidden="true">·</span>
                  <span className={styles.kind}>{kindText(version)}</span>
                  {version.message ? (
                    <>
                      <span className={styles.dot} aria-hidden="true">·</span>
                      <span className={styles.message} title={version.message}>
                        {version.message}
                      </span>
                    </>
                  ) : null}
                  <span className={styles.dot} aria-hidden="true">·</span>
                  <time className={styles.when} dateTime={version.createdAt} title={new Date(version.createdAt).toLocaleString()}>
                    {version.author.name ? `${version.author.name}, ` : ''}
                    {relativeTime(version.createdAt)}
                  </time>
                </>
              ) : null}
            </p>
            <div className={styles.links}>
              <Link href={`/a/${artifactId}`} className="button button-ghost">
                Back to live
              </Link>
              {latest !== null && n !== latest ? (
                <Link href={`/a/${artifactId}/compare?from=${n}&to=${latest}`} className="button">
                  Compare with live
                </Link>
              ) : null}
            </div>
          </div>
          <Announcer>{version ? `Viewing v${version.n}${version.message ? `: ${version.message}` : ''}` : ''}</Announcer>
          {list.isError ? (
            <div className={styles.error}>
              <LoadError what="the versions" error={list.error} onRetry={() => void list.refetch()} />
            </div>
          ) : content.isError ? (
            <div className={styles.error}>
              <LoadError what={`v${n}`} error={content.error} onRetry={() => void content.refetch()} />
            </div>
          ) : null}
          <main id="main" tabIndex={-1} className={styles.stage}>
            {me.data ? (
              <VersionFrame
                sandboxOrigin={me.data.sandboxOrigin}
                html={shown}
                title={title ? `Artifact: ${title}, v${n}` : `Artifact, v${n}`}
                onMetrics={presence.onFrameMetrics}
                handle={presence.frameHandle}
              />
            ) : null}
            <ScrollRail
              participants={presence.participants}
              view={presence.view}
              followingClientId={presence.followingClientId}
              onToggleFollow={presence.toggleFollow}
            />
            <FollowPill artifactId={artifactId} follow={presence.follow} />
            {shown === null ? (
              <div className={styles.overlay} aria-hidden="true">
                <span className="spinner" /> Loading v{n}…
              </div>
            ) : null}
          </main>
        </>
      )}
    </div>
  );
}

function Chevron({ direction }: { direction: 'left' | 'right' }) {
  return (
    <svg width={16} height={16} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={direction === 'left' ? 'M15 18l-6-6 6-6' : 'M9 18l6-6-6-6'} />
    </svg>
  );
}

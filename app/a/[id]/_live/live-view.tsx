'use client';

import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { isApiError } from '../../../../lib/query/api-client';
import { artifactQueryOptions } from '../../../../lib/query/artifacts';
import { meQueryOptions } from '../../../../lib/query/me';
import { CloseCode } from '../../../../lib/protocol/close-codes';
import { Announcer } from '../../../_components/announcer';
import { ArtifactNotFoundPanel } from '../../../_components/not-found-panel';
import { describeAccess } from './artifact-access';
import { ArtifactFrame } from './artifact-frame';
import { AccessChips, GovernanceActions, type GovernanceNotice } from './artifact-governance';
import { CloseBanner } from './close-banner';
import { LiveHeader } from './live-header';
import { useArtifactMeta } from './use-artifact-meta';
import { useCollabSession } from './use-collab-session';
import { useConnectionStatus } from './use-connection-status';
import { usePageActivity } from './use-page-activity';
import { usePresence } from './use-presence';
import { HistoryButton, useVersionHistory, VersionsPanel } from './versions-panel';
import versionStyles from './versions-panel.module.css';
import styles from './live-view.module.css';

/** `/a/:id`: header with status and presence, and the artifact in its sandboxed frame. */
export function LiveView({ artifactId }: { artifactId: string }) {
  const artifact = useQuery(artifactQueryOptions(artifactId));
  const me = useQuery(meQueryOptions());
  const session = useCollabSession(artifactId);
  const { status, retry } = useConnectionStatus(session?.provider ?? null);
  const activity = usePageActivity(session);
  const meta = useArtifactMeta(session);
  const viewer = useMemo(() => (me.data ? { id: me.data.user.id, name: me.data.user.name, color: me.data.user.color } : null), [me.data]);
  const participants = usePresence(session, viewer);
  const [notice, setNotice] = useState<GovernanceNotice | null>(null);
  const onNotice = useCallback((next: GovernanceNotice) => setNotice(next), []);
  const history = useVersionHistory(artifactId, session);
  const [isHistoryOpen, setHistoryOpen] = useState(false);
  const historyId = useId();
  const closeHistory = useCallback(() => {
    setHistoryOpen(false);
    document.querySelector<HTMLButtonElement>('[data-testid="history-toggle"]')?.focus();
  }, []);

  const title = meta.title || artifact.data?.title || '';
  const isNotFound =
    (isApiError(artifact.error) && artifact.error.status === 404) || (status.phase === 'closed' && status.code === CloseCode.NOT_FOUND);
  useEffect(() => {
    document.title = isNotFound ? 'Artifact not found · Loupe' : title ? `${title} · Loupe` : 'Loupe';
  }, [isNotFound, title]);

  if (isNotFound) {
    return (
      <div className={styles.notFound}>
        <LiveHeader title="" context="" status={status} participants={[]} />
        <main id="main" tabIndex={-1}>
          <ArtifactNotFoundPanel />
        </main>
      </div>
    );
  }

  // The live document is the truth once synced; the API row covers the first moments.
  const project = meta.project ?? artifact.data?.project ?? '';
  const sessionName = meta.session ?? artifact.data?.session ?? '';
  const context = [project, sessionName].filter(Boolean).join(' · ');
  const viewerId = me.data?.user.id ?? null;
  const orgName = me.data?.org?.name ?? null;
  const governance = artifact.data && me.data ? { artifact: artifact.data, viewerId, orgName } : null;

  return (
    <div className={styles.view}>
      <LiveHeader
        title={title}
        context={context}
        status={status}
        participants={participants}
        isUpdating={activity.isUpdating}
        chips={governance ? <AccessChips {...governance} /> : null}
        accessHint={governance ? describeAccess(governance.artifact, viewerId, orgName).hint : undefined}
        actions={governance ? <GovernanceActions {...governance} onNotice={onNotice} /> : null}
        history={
          <HistoryButton open={isHistoryOpen} newCount={history.newCount} controls={historyId} onToggle={() => setHistoryOpen((open) => !open)} />
        }
      />
      {status.phase === 'closed' ? <CloseBanner code={status.code} onRetry={retry} /> : null}
      {/* Results of publish, share and legal hold: read out politely; failures also shown. */}
      <Announcer>
        {notice?.tone === 'success' ? notice.text : ''}
      </Announcer>
      {notice?.tone === 'error' ? (
        <div className={`alert ${styles.banner}`} role="alert">
          <span>{notice.text}</span>
          <button type="button" className={`button button-ghost ${styles.dismiss}`} onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      {artifact.isError && !isNotFound ? (
        <div className={`alert ${styles.banner}`} role="alert">
          Couldn’t load this artifact’s details: {artifact.error.message}
        </div>
      ) : null}
      <div className={versionStyles.split}>
        <main id="main" tabIndex={-1} className={styles.stage}>
          {me.data ? (
            <ArtifactFrame sandboxOrigin={me.data.sandboxOrigin} session={session} title={title} />
          ) : me.isError ? (
            <div className={`alert ${styles.banner}`} role="alert">
              Couldn’t load your account: {me.error.message}
            </div>
          ) : null}
          {!activity.hasSynced ? (
            <div className={styles.overlay} aria-hidden="true">
              <span className="spinner" /> Loading the page…
            </div>
          ) : activity.isEmpty ? (
            <div className={styles.overlay}>
              <p>
                <strong>Nothing here yet.</strong> The page will appear as soon as the agent writes it.
              </p>
            </div>
          ) : null}
        </main>
        {isHistoryOpen ? (
          <>
            <div className={versionStyles.scrim} onClick={closeHistory} aria-hidden="true" />
            <VersionsPanel
              id={historyId}
              artifactId={artifactId}
              history={history}
              canRestore={artifact.data?.access?.content === 'write'}
              onClose={closeHistory}
              onNotice={onNotice}
            />
          </>
        ) : null}
      </div>
    </div>
  );
}

'use client';

import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { isApiError } from '../../../lib/query/api-client';
import { artifactQueryOptions } from '../../../lib/query/artifacts';
import { meQueryOptions } from '../../../lib/query/me';
import { CloseCode } from '../../../lib/protocol/close-codes';
import { CountBadge } from '../../_components/count-toggle';
import { Announcer } from '../../_components/announcer';
import { MenuItem, MenuItemCheckbox } from '../../_components/menu';
import { ArtifactNotFoundPanel } from '../../_components/not-found-panel';
import { ApprovedIcon } from '../../_components/review-icons';
import { NotesPanel } from './_review/notes-panel';
import { PickBanner, SelectionCommentButton } from './_review/page-overlays';
import { ReviewButton, ReviewDialog } from './_review/review-dialog';
import { ReviewPanel, ReviewPanelToggle } from './_review/review-panel';
import { useReviewPanel } from './_review/use-review-panel';
import { useReviewPanelOpen } from './_review/use-review-panel-open';
import { ReviewStatusChip } from './_review/status-chip';
import { useReviewDoc } from './_review/use-review-doc';
import { FollowPill } from './_review/follow-pill';
import { ScrollRail } from './_review/scroll-rail';
import { useReviewPresence } from './_review/use-review-presence';
import { describeAccess } from './_live/artifact-access';
import { ArtifactFrame, type ArtifactFrameReview } from './_live/artifact-frame';
import { AccessChips, GovernanceActions, GovernanceDialog, GovernanceMenuItems, useGovernance, type GovernanceNotice } from './_live/artifact-governance';
import { CloseBanner } from './_live/close-banner';
import { focusHeaderControl, LiveHeader } from './_live/live-header';
import { useArtifactMeta } from './_live/use-artifact-meta';
import { useCollabSession } from './_live/use-collab-session';
import { useConnectionStatus } from './_live/use-connection-status';
import { usePageActivity } from './_live/use-page-activity';
import { HistoryButton, HistoryIcon, useVersionHistory, VersionsPanel } from './_live/versions-panel';
import versionStyles from './_live/versions-panel.module.css';
import styles from './_live/live-view.module.css';

/** `/a/:id`: header with status and presence, and the artifact in its sandboxed frame. */
export function LiveView({ artifactId }: { artifactId: string }) {
  const artifact = useQuery(artifactQueryOptions(artifactId));
  const me = useQuery(meQueryOptions());
  const session = useCollabSession(artifactId);
  // The review layer (threads, statuses, presence) lives in its own room; see lib/review/types.ts.
  const reviewSession = useCollabSession(artifactId, 'review');
  const review = useReviewDoc(reviewSession);
  const { status, retry } = useConnectionStatus(session?.provider ?? null);
  const activity = usePageActivity(session);
  const meta = useArtifactMeta(session);
  const viewer = useMemo(() => (me.data ? { id: me.data.user.id, name: me.data.user.name, color: me.data.user.color } : null), [me.data]);
  // Who is here, where they are reading, and following: the review room's awareness (agents also from the page's room).
  const presence = useReviewPresence({ review: reviewSession, content: session, viewer, view: 'live' });
  const { participants } = presence;
  const [notice, setNotice] = useState<GovernanceNotice | null>(null);
  const onNotice = useCallback((next: GovernanceNotice) => setNotice(next), []);
  const history = useVersionHistory(artifactId, session);
  const [isHistoryOpen, setHistoryOpen] = useState(false);
  const historyId = useId();
  const closeHistory = useCallback(() => {
    setHistoryOpen(false);
    focusHeaderControl('history-toggle');
  }, []);
  // Comments: one side panel at a time, so opening it closes the history and the other way round.
  const [frameReview, setFrameReview] = useState<ArtifactFrameReview | null>(null);
  const commentsPanel = useReviewPanelOpen();
  const commentsId = useId();
  const canComment = artifact.data?.access?.review === 'write';
  const { open: openComments, close: closeCommentsPanel } = commentsPanel;
  const showComments = useCallback(() => {
    setHistoryOpen(false);
    openComments(false);
  }, [openComments]);
  const comments = useReviewPanel({
    artifactId,
    content: session,
    review,
    viewerId: me.data?.user.id ?? null,
    canWrite: canComment,
    bridge: frameReview?.bridge ?? null,
    onShowPanel: showComments,
  });
  const closeComments = useCallback(() => {
    closeCommentsPanel(true);
    document.querySelector<HTMLButtonElement>('[data-testid="comments-toggle"]')?.focus();
  }, [closeCommentsPanel]);
  const toggleHistory = () => {
    if (!isHistoryOpen) closeCommentsPanel(false);
    setHistoryOpen(!isHistoryOpen);
  };

  // Review, publish, share and admin actions: buttons on wide screens, the "More" menu on narrow ones, one dialog each.
  const [isReviewOpen, setReviewOpen] = useState(false);
  const closeReview = useCallback(() => setReviewOpen(false), []);
  const viewerId = me.data?.user.id ?? null;
  const orgName = me.data?.org?.name ?? null;
  const governance = artifact.data && me.data ? { artifact: artifact.data, viewerId, orgName } : null;
  const governanceActions = useGovernance(artifactId, governance, onNotice);

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
  // Reviews are people's: agents and viewers read the status but give none.
  const canReview = me.data?.kind === 'user' && artifact.data?.access?.review === 'write';

  return (
    <div className={styles.view}>
      <LiveHeader
        title={title}
        context={context}
        status={status}
        participants={participants}
        follow={{ clientId: presence.followingClientId, toggle: presence.toggleFollow }}
        isUpdating={activity.isUpdating}
        chips={
          governance ? (
            <>
              <AccessChips {...governance} />
              <ReviewStatusChip artifactId={artifactId} title={title} review={review} canReview={canReview} onNotice={onNotice} />
            </>
          ) : null
        }
        accessHint={governance ? describeAccess(governance.artifact, viewerId, orgName).hint : undefined}
        history={<HistoryButton open={isHistoryOpen} newCount={history.newCount} controls={historyId} onToggle={toggleHistory} />}
        comments={
          <ReviewPanelToggle
            open={commentsPanel.isOpen}
            openCount={comments.openCount}
            controls={commentsId}
            onToggle={() => {
              if (commentsPanel.isOpen) return closeComments();
              setHistoryOpen(false);
              openComments(true);
            }}
          />
        }
        actions={
          governance ? (
            <>
              {canReview ? <ReviewButton onOpen={() => setReviewOpen(true)} /> : null}
              <GovernanceActions controller={governanceActions} />
            </>
          ) : null
        }
        overflow={
          <>
            <MenuItemCheckbox
              icon={<HistoryIcon />}
              isChecked={isHistoryOpen}
              end={
                history.newCount > 0 ? (
                  <CountBadge label={`, ${history.newCount} new`}>{history.newCount}</CountBadge>
                ) : null
              }
              onSelect={toggleHistory}
            >
              History
            </MenuItemCheckbox>
            {canReview ? (
              <MenuItem icon={<ApprovedIcon size={16} />} onSelect={() => setReviewOpen(true)}>
                Review…
              </MenuItem>
            ) : null}
            <GovernanceMenuItems controller={governanceActions} />
          </>
        }
        overflowNews={history.newCount > 0 ? `${history.newCount} new ${history.newCount === 1 ? 'version' : 'versions'}` : undefined}
      />
      {isReviewOpen ? (
        <ReviewDialog artifactId={artifactId} title={title} latestVersion={review.summary?.latestVersion ?? null} onClose={closeReview} onDone={onNotice} />
      ) : null}
      <GovernanceDialog controller={governanceActions} />
      {status.phase === 'closed' ? <CloseBanner code={status.code} onRetry={retry} /> : null}
      {/* Results of publish, share and legal hold: read out politely; failures also shown. */}
      <Announcer>
        {notice?.tone === 'success' ? notice.text : ''}
      </Announcer>
      {/* Someone else's new comment, read out wherever focus is. */}
      <Announcer>{comments.announcement}</Announcer>
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
            <ArtifactFrame
              sandboxOrigin={me.data.sandboxOrigin}
              session={session}
              title={title}
              onMetrics={presence.onFrameMetrics}
              handle={presence.frameHandle}
              review={setFrameReview}
            />
          ) : me.isError ? (
            <div className={`alert ${styles.banner}`} role="alert">
              Couldn’t load your account: {me.error.message}
            </div>
          ) : null}
          <ScrollRail
            participants={participants}
            view={presence.view}
            followingClientId={presence.followingClientId}
            onToggleFollow={presence.toggleFollow}
          />
          <FollowPill artifactId={artifactId} follow={presence.follow} />
          {comments.isPicking ? <PickBanner onCancel={comments.cancelPick} /> : null}
          {comments.selection && !comments.isPicking ? (
            <SelectionCommentButton selection={comments.selection} frameElement={frameReview?.element() ?? null} onComment={comments.commentOnSelection} />
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
        {commentsPanel.isOpen ? (
          <ReviewPanel
            id={commentsId}
            artifactId={artifactId}
            review={comments}
            viewerId={me.data?.user.id ?? null}
            canWrite={canComment}
            notes={viewer ? <NotesPanel artifactId={artifactId} canWrite={canComment} viewer={viewer} /> : null}
            focusOnOpen={commentsPanel.isOpenedByReader}
            onClose={closeComments}
          />
        ) : null}
      </div>
    </div>
  );
}

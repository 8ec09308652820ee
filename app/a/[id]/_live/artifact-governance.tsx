'use client';

import { useMutation } from '@tanstack/react-query';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { artifactExportPath, legalHoldMutationOptions, requestPublicationMutationOptions } from '../../../../lib/query/artifacts';
import type { ArtifactDetail } from '../../../../lib/query/schemas';
import { DownloadIcon, GlobeIcon, LockIcon, MoreIcon, SendIcon, ShieldIcon, UsersIcon } from '../../../_components/icons';
import { AccessDialog } from './access-dialog';
import { describeAccess } from './artifact-access';
import styles from './artifact-governance.module.css';

export interface GovernanceNotice {
  tone: 'success' | 'error';
  text: string;
}

interface GovernanceProps {
  artifact: ArtifactDetail;
  viewerId: string | null;
  orgName: string | null;
}

/** Beside the title: Draft or who can see it, and Legal hold when on. */
export function AccessChips({ artifact, viewerId, orgName }: GovernanceProps) {
  const summary = describeAccess(artifact, viewerId, orgName);
  const Icon = summary.tone === 'draft' ? LockIcon : summary.tone === 'org' ? GlobeIcon : UsersIcon;
  return (
    <span className={styles.chips}>
      <span className={`chip ${styles.chip}`} data-tone={summary.tone} title={summary.hint} data-testid="access-chip">
        <Icon size={12} />
        {summary.label}
      </span>
      {artifact.legalHold ? (
        <span className={`chip ${styles.chip}`} data-tone="hold" title="On legal hold: retention will not delete it" data-testid="legal-hold-chip">
          <ShieldIcon size={12} />
          <span className={styles.chipText}>Legal hold</span>
        </span>
      ) : null}
    </span>
  );
}

/**
 * What the viewer may do with this artifact, each shown only when the
 * server's `can` says so: publish a draft, ask an admin to, change who can
 * see it, and (admins) legal hold and export.
 */
export function GovernanceActions({ artifact, viewerId, orgName, onNotice }: GovernanceProps & { onNotice(notice: GovernanceNotice): void }) {
  const [dialog, setDialog] = useState<'publish' | 'access' | null>(null);
  const [refocus, setRefocus] = useState(0);
  const shareRef = useRef<HTMLButtonElement>(null);
  const request = useMutation(requestPublicationMutationOptions(artifact.id));
  const isDraft = artifact.status === 'draft';
  const { can } = artifact;

  // Publishing swaps "Publish" for "Share": keep keyboard focus in the bar instead of losing it to the page.
  useEffect(() => {
    if (refocus > 0) shareRef.current?.focus();
  }, [refocus]);

  const closeDialog = useCallback(() => setDialog(null), []);
  const onDone = useCallback(
    (text: string) => {
      onNotice({ tone: 'success', text });
      setRefocus((n) => n + 1);
    },
    [onNotice],
  );

  const requestPublication = () => {
    request.mutate(undefined, {
      onSuccess: () => onNotice({ tone: 'success', text: 'Publication requested. The organization’s admins can now see this draft and publish it.' }),
      onError: (error) => onNotice({ tone: 'error', text: `Couldn’t request publication: ${error.message}` }),
    });
  };

  const showMenu = can.legalHold || can.export;
  const canActOnDraft = isDraft && (can.publish || can.requestPublication || artifact.publishRequested);
  if (!canActOnDraft && !(!isDraft && can.changeAccess) && !showMenu) return null;

  return (
    <div className={styles.actions}>
      {isDraft && can.publish ? (
        <button type="button" className={`button button-primary ${styles.action}`} onClick={() => setDialog('publish')} aria-haspopup="dialog">
          Publish
        </button>
      ) : null}
      {isDraft && !can.publish && (can.requestPublication || artifact.publishRequested) ? (
        artifact.publishRequested ? (
          <span className={`chip ${styles.chip}`} data-tone="requested" title="The organization’s admins were asked to publish this draft">
            <SendIcon size={12} />
            Publication requested
          </span>
        ) : (
          <button
            type="button"
            className={`button ${styles.action}`}
            onClick={requestPublication}
            disabled={request.isPending}
            aria-label="Request publication"
          >
            {request.isPending ? <span className="spinner" aria-hidden="true" /> : <SendIcon size={15} />}
            <span aria-hidden="true">
              Request<span className={styles.wideOnly}> publication</span>
            </span>
          </button>
        )
      ) : null}
      {!isDraft && can.changeAccess ? (
        <button
          ref={shareRef}
          type="button"
          className={`button ${styles.action}`}
          onClick={() => setDialog('access')}
          aria-haspopup="dialog"
          title="Change who can see this"
        >
          <UsersIcon size={15} />
          Share
        </button>
      ) : null}
      {showMenu ? <AdminMenu artifact={artifact} onNotice={onNotice} /> : null}
      {dialog ? (
        <AccessDialog mode={dialog} artifact={artifact} orgName={orgName} viewerId={viewerId} onClose={closeDialog} onDone={onDone} />
      ) : null}
    </div>
  );
}

/** Admins only: legal hold and export, behind "More". A <details>, like the account menu; Escape and an outside click close it. */
function AdminMenu({ artifact, onNotice }: { artifact: ArtifactDetail; onNotice(notice: GovernanceNotice): void }) {
  const detailsRef = useRef<HTMLDetailsElement>(null);
  const hintId = useId();
  const hold = useMutation(legalHoldMutationOptions(artifact.id));

  useEffect(() => {
    const details = detailsRef.current;
    if (!details) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && details.open) {
        details.open = false;
        details.querySelector('summary')?.focus();
      }
    };
    const onPointerDown = (event: PointerEvent) => {
      if (details.open && event.target instanceof Node && !details.contains(event.target)) details.open = false;
    };
    document.addEventListener('keydown', onKeyDown);
    document.addEventListener('pointerdown', onPointerDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('pointerdown', onPointerDown);
    };
  }, []);

  const toggleHold = () => {
    const next = !artifact.legalHold;
    hold.mutate(next, {
      onSuccess: () =>
        onNotice({ tone: 'success', text: next ? 'Legal hold placed: retention will not delete this artifact.' : 'Legal hold lifted.' }),
      onError: (error) => onNotice({ tone: 'error', text: `Couldn’t change the legal hold: ${error.message}` }),
    });
  };

  return (
    <details ref={detailsRef} className={styles.menu}>
      <summary className={`icon-button ${styles.menuButton}`} aria-label="More actions" title="More actions">
        <MoreIcon size={18} />
      </summary>
      <div className={styles.panel}>
        {artifact.can.legalHold ? (
          <button
            type="button"
            role="switch"
            aria-checked={artifact.legalHold}
            className={styles.item}
            onClick={toggleHold}
            disabled={hold.isPending}
            aria-describedby={hintId}
          >
            <ShieldIcon size={16} className={styles.itemIcon} />
            <span className={styles.itemText}>
              <span>Legal hold</span>
              <span id={hintId} className={styles.itemHint}>
                Retention never deletes it while on
              </span>
            </span>
            {hold.isPending ? <span className="spinner" aria-hidden="true" /> : <span className={styles.switch} aria-hidden="true" />}
          </button>
        ) : null}
        {artifact.can.export ? (
          <a href={artifactExportPath(artifact.id)} download className={styles.item}>
            <DownloadIcon size={16} className={styles.itemIcon} />
            <span className={styles.itemText}>
              <span>Export (.zip)</span>
              <span className={styles.itemHint}>Page, versions and review threads</span>
            </span>
          </a>
        ) : null}
      </div>
    </details>
  );
}

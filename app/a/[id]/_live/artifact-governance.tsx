'use client';

import { useMutation } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { artifactExportPath, legalHoldMutationOptions, requestPublicationMutationOptions } from '../../../../lib/query/artifacts';
import type { ArtifactDetail } from '../../../../lib/query/schemas';
import { DownloadIcon, GlobeIcon, LockIcon, MoreIcon, SendIcon, ShieldIcon, UsersIcon } from '../../../_components/icons';
import { Menu, MenuItem, MenuItemCheckbox, MenuLink, MenuSeparator, MenuSwitch } from '../../../_components/menu';
import { AccessDialog } from './access-dialog';
import { describeAccess } from './artifact-access';
import styles from './artifact-governance.module.css';

export interface GovernanceNotice {
  tone: 'success' | 'error';
  text: string;
}

export interface GovernanceProps {
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
 * What the viewer may do with this artifact, each offered only when the
 * server's `can` says so: publish a draft, ask an admin to, change who can
 * see it, and (admins) legal hold and export. One state behind two faces:
 * the header's buttons on wide screens (GovernanceActions) and items of its
 * "More" menu on narrow ones (GovernanceMenuItems); the dialog they open is
 * rendered once, outside both (GovernanceDialog).
 */
export interface GovernanceController {
  governance: GovernanceProps | null;
  dialog: 'publish' | 'access' | null;
  openDialog(mode: 'publish' | 'access'): void;
  closeDialog(): void;
  onDone(text: string): void;
  requestPublication(): void;
  isRequesting: boolean;
  toggleHold(): void;
  isHoldPending: boolean;
  /** The inline Share button: focus lands there once a publish turns "Publish" into "Share". */
  shareRef: RefObject<HTMLButtonElement | null>;
}

/** The actions' state: which dialog is open, the pending requests; `governance` is null until the artifact and the viewer are loaded. */
export function useGovernance(artifactId: string, governance: GovernanceProps | null, onNotice: (notice: GovernanceNotice) => void): GovernanceController {
  const [dialog, setDialog] = useState<'publish' | 'access' | null>(null);
  const [refocus, setRefocus] = useState(0);
  const shareRef = useRef<HTMLButtonElement>(null);
  const request = useMutation(requestPublicationMutationOptions(artifactId));
  const hold = useMutation(legalHoldMutationOptions(artifactId));
  const isHeld = governance?.artifact.legalHold ?? false;

  // Publishing swaps "Publish" for "Share": keep keyboard focus in the bar instead of losing it to the page.
  // (On narrow screens the inline button is not shown; the dialog hands focus back to the "More" button.)
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

  const toggleHold = () => {
    const next = !isHeld;
    hold.mutate(next, {
      onSuccess: () =>
        onNotice({ tone: 'success', text: next ? 'Legal hold placed: retention will not delete this artifact.' : 'Legal hold lifted.' }),
      onError: (error) => onNotice({ tone: 'error', text: `Couldn’t change the legal hold: ${error.message}` }),
    });
  };

  return {
    governance,
    dialog,
    openDialog: setDialog,
    closeDialog,
    onDone,
    requestPublication,
    isRequesting: request.isPending,
    toggleHold,
    isHoldPending: hold.isPending,
    shareRef,
  };
}

/** Which of the actions this viewer gets, from the server's `can`. */
function offeredActions(artifact: ArtifactDetail) {
  const { can } = artifact;
  const isDraft = artifact.status === 'draft';
  return {
    publish: isDraft && can.publish,
    /** Ask an admin (or, once asked, say so). */
    request: isDraft && !can.publish && (can.requestPublication || artifact.publishRequested),
    share: !isDraft && can.changeAccess,
    legalHold: can.legalHold,
    export: can.export,
  };
}

/** Wide screens: Publish (or Request publication), Share, and the admins' "More actions" menu, as buttons in the header. */
export function GovernanceActions({ controller }: { controller: GovernanceController }) {
  const artifact = controller.governance?.artifact;
  if (!artifact) return null;
  const offered = offeredActions(artifact);
  if (!Object.values(offered).some(Boolean)) return null;

  return (
    <div className={styles.actions}>
      {offered.publish ? (
        <button type="button" className={`button button-primary ${styles.action}`} onClick={() => controller.openDialog('publish')} aria-haspopup="dialog">
          Publish
        </button>
      ) : null}
      {offered.request ? (
        artifact.publishRequested ? (
          <span className={`chip ${styles.chip}`} data-tone="requested" title="The organization’s admins were asked to publish this draft">
            <SendIcon size={12} />
            Publication requested
          </span>
        ) : (
          <button
            type="button"
            className={`button ${styles.action}`}
            onClick={controller.requestPublication}
            disabled={controller.isRequesting}
            aria-label="Request publication"
          >
            {controller.isRequesting ? <span className="spinner" aria-hidden="true" /> : <SendIcon size={15} />}
            <span aria-hidden="true">
              Request<span className={styles.wideOnly}> publication</span>
            </span>
          </button>
        )
      ) : null}
      {offered.share ? (
        <button
          ref={controller.shareRef}
          type="button"
          className={`button ${styles.action}`}
          onClick={() => controller.openDialog('access')}
          aria-haspopup="dialog"
          title="Change who can see this"
        >
          <UsersIcon size={15} />
          Share
        </button>
      ) : null}
      {offered.legalHold || offered.export ? (
        <Menu label="More actions" title="More actions" button={<MoreIcon size={18} />} buttonClassName={`icon-button ${styles.menuButton}`}>
          <AdminMenuItems controller={controller} />
        </Menu>
      ) : null}
    </div>
  );
}

/**
 * Narrow screens: the same actions as items of the header's "More" menu
 * (people's first, then the admins' after a separator).
 */
export function GovernanceMenuItems({ controller }: { controller: GovernanceController }) {
  const artifact = controller.governance?.artifact;
  if (!artifact) return null;
  const offered = offeredActions(artifact);
  return (
    <>
      {offered.publish ? (
        <MenuItem icon={<GlobeIcon size={16} />} onSelect={() => controller.openDialog('publish')}>
          Publish…
        </MenuItem>
      ) : null}
      {offered.request ? (
        artifact.publishRequested ? (
          <MenuItem icon={<SendIcon size={16} />} isDisabled hint="The admins were asked to publish it" onSelect={() => undefined}>
            Publication requested
          </MenuItem>
        ) : (
          <MenuItem icon={<SendIcon size={16} />} isBusy={controller.isRequesting} onSelect={controller.requestPublication}>
            Request publication
          </MenuItem>
        )
      ) : null}
      {offered.share ? (
        <MenuItem icon={<UsersIcon size={16} />} onSelect={() => controller.openDialog('access')}>
          Share…
        </MenuItem>
      ) : null}
      {(offered.legalHold || offered.export) && (offered.publish || offered.request || offered.share) ? <MenuSeparator /> : null}
      <AdminMenuItems controller={controller} />
    </>
  );
}

/** Admins only: legal hold (the menu stays open to show it flip) and export. */
function AdminMenuItems({ controller }: { controller: GovernanceController }) {
  const artifact = controller.governance?.artifact;
  if (!artifact) return null;
  return (
    <>
      {artifact.can.legalHold ? (
        <MenuItemCheckbox
          icon={<ShieldIcon size={16} />}
          isChecked={artifact.legalHold}
          isBusy={controller.isHoldPending}
          keepOpen
          hint="Retention never deletes it while on"
          end={controller.isHoldPending ? <span className="spinner" aria-hidden="true" /> : <MenuSwitch />}
          onSelect={controller.toggleHold}
        >
          Legal hold
        </MenuItemCheckbox>
      ) : null}
      {artifact.can.export ? (
        <MenuLink href={artifactExportPath(artifact.id)} download icon={<DownloadIcon size={16} />} hint="Page, versions and review threads">
          Export (.zip)
        </MenuLink>
      ) : null}
    </>
  );
}

/** The publish or access dialog, mounted once for both faces (a hidden container would hide it too). */
export function GovernanceDialog({ controller }: { controller: GovernanceController }) {
  const { governance, dialog } = controller;
  if (!dialog || !governance) return null;
  return (
    <AccessDialog
      mode={dialog}
      artifact={governance.artifact}
      orgName={governance.orgName}
      viewerId={governance.viewerId}
      onClose={controller.closeDialog}
      onDone={controller.onDone}
    />
  );
}

'use client';

import { useImperativeHandle, useRef, type Ref } from 'react';
import { postToFrame, scrollToMessage } from '../../../../lib/sandbox/bridge';
import { useTheme } from '../../../../lib/ui/use-theme';
import { useOpenLinkConfirmation } from './open-link-dialog';
import type { CollabSession } from './use-collab-session';
import { useFrameBridge, type FrameBridge, type FrameMetricsListener } from './use-frame-bridge';
import type { VersionFrameHandle } from './versions-frame';
import styles from './artifact-frame.module.css';

interface ArtifactFrameProps {
  sandboxOrigin: string;
  session: CollabSession | null;
  title: string;
  /** The frame's place reports (after a render, and while the reader scrolls), as for `VersionFrame`. */
  onMetrics?: FrameMetricsListener;
  /** Scrolls the page in the frame (following another reader), as for `VersionFrame`. */
  handle?: Ref<VersionFrameHandle>;
  /** The review UI's way in: the frame bridge (pick mode, pins, the frame's messages) and the iframe's box. */
  review?: Ref<ArtifactFrameReview>;
}

/** Stable for the life of the frame: pass a state setter as `review` to re-render when it arrives. */
export interface ArtifactFrameReview {
  bridge: FrameBridge;
  /** The iframe element, for placing things over the page (its box is the frame's viewport). */
  element(): HTMLIFrameElement | null;
}

/**
 * The artifact, in a frame on the sandbox origin. `sandbox="allow-scripts"`
 * and nothing else: never same-origin access, forms, popups or top navigation.
 * Its links open only from the app's own confirmation, rendered beside it.
 */
export function ArtifactFrame({ sandboxOrigin, session, title, onMetrics, handle, review }: ArtifactFrameProps) {
  const iframeRef = useRef<HTMLIFrameElement>(null);
  const { scheme } = useTheme();
  const links = useOpenLinkConfirmation(iframeRef);
  const bridge = useFrameBridge(iframeRef, session, scheme, onMetrics, links.ask);
  useImperativeHandle(review, () => ({ bridge, element: () => iframeRef.current }), [bridge]);
  useImperativeHandle(
    handle,
    () => ({
      scrollTo(y: number) {
        // Before the frame is ready nothing listens; a later report of ours catches up.
        const target = iframeRef.current?.contentWindow;
        if (target) postToFrame(target, scrollToMessage(Math.max(0, Math.round(y))));
      },
    }),
    [],
  );
  return (
    <>
      <iframe
        ref={iframeRef}
        className={styles.frame}
        src={`${sandboxOrigin}/frame`}
        sandbox="allow-scripts"
        title={title ? `Artifact: ${title}` : 'Artifact'}
        referrerPolicy="no-referrer"
      />
      {links.dialog}
    </>
  );
}

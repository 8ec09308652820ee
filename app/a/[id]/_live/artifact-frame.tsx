'use client';

import { useRef } from 'react';
import { useTheme } from '../../../../lib/ui/use-theme';
import type { CollabSession } from './use-collab-session';
import { useFrameBridge } from './use-frame-bridge';
import styles from './artifact-frame.module.css';

interface ArtifactFrameProps {
  sandboxOrigin: string;
  session: CollabSession | null;
  title: string;
}

/**
 * The artifact, in a frame on the sandbox origin. `sandbox="allow-scripts"`
 * and nothing else: never same-origin access, forms, popups or top navigation.
 */
export function ArtifactFrame({ sandboxOrigin, session, title }: ArtifactFrameProps) {
  const iframeRef = useRef<HTMLIFrameElement>(null);
  const { scheme } = useTheme();
  useFrameBridge(iframeRef, session, scheme);
  return (
    <iframe
      ref={iframeRef}
      className={styles.frame}
      src={`${sandboxOrigin}/frame`}
      sandbox="allow-scripts"
      title={title ? `Artifact: ${title}` : 'Artifact'}
      referrerPolicy="no-referrer"
    />
  );
}

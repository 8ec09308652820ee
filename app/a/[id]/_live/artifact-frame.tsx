'use client';

import { useMemo, type Ref } from 'react';
import { liveContent } from './frame-content';
import { FrameHost, type FrameHostReview, type FrameScrollHandle } from './frame-host';
import type { FrameMetricsListener } from './frame-messages';
import type { CollabSession } from './use-collab-session';

interface ArtifactFrameProps {
  sandboxOrigin: string;
  session: CollabSession | null;
  title: string;
  /** The frame's place reports (after a render, and while the reader scrolls), as for `VersionFrame`. */
  onMetrics?: FrameMetricsListener;
  /** Scrolls the page in the frame (following another reader), as for `VersionFrame`. */
  handle?: Ref<FrameScrollHandle>;
  /** The review UI's way in: the frame bridge (pick mode, pins, the frame's messages) and the iframe's box. */
  review?: Ref<ArtifactFrameReview>;
}

/** Stable for the life of the frame: pass a state setter as `review` to re-render when it arrives. */
export type ArtifactFrameReview = FrameHostReview;

/** The live page: the frame host fed from the room's Y.Text. */
export function ArtifactFrame({ sandboxOrigin, session, title, onMetrics, handle, review }: ArtifactFrameProps) {
  const content = useMemo(() => (session ? liveContent(session) : null), [session]);
  return (
    <FrameHost
      sandboxOrigin={sandboxOrigin}
      content={content}
      title={title ? `Artifact: ${title}` : 'Artifact'}
      onMetrics={onMetrics}
      handle={handle}
      review={review}
    />
  );
}

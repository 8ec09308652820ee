'use client';

import { useMemo, type Ref } from 'react';
import { htmlContent } from './frame-content';
import { FrameHost, type FrameScrollHandle } from './frame-host';
import type { FrameMetricsListener } from './frame-messages';

export type { FrameMetrics } from './frame-messages';

export type VersionFrameHandle = FrameScrollHandle;

interface VersionFrameProps {
  sandboxOrigin: string;
  /** The page source to show; a change is pushed into the same frame, which keeps the reader's place. */
  html: string | null;
  title: string;
  /** The frame's scroll reports (after a render, and while the reader scrolls). */
  onMetrics?: FrameMetricsListener;
  handle?: Ref<VersionFrameHandle>;
  className?: string;
}

/**
 * A fixed page (a version, or one side of a comparison): the same frame host
 * as the live view, given its html instead of the room's Y.Text.
 */
export function VersionFrame({ sandboxOrigin, html, title, onMetrics, handle, className }: VersionFrameProps) {
  const content = useMemo(() => (html === null ? null : htmlContent(html)), [html]);
  return <FrameHost sandboxOrigin={sandboxOrigin} content={content} title={title} className={className} onMetrics={onMetrics} handle={handle} />;
}

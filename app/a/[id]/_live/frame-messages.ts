import type { FrameMessage } from '../../../../lib/sandbox/bridge';

/** Where the reader is in a framed page. */
export interface FrameMetrics {
  scrollY: number;
  scrollHeight: number;
  viewportHeight: number;
}

export type FrameMetricsListener = (metrics: FrameMetrics, cause: 'rendered' | 'scroll') => void;

const OPENABLE_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);

/**
 * What every view of a framed page (live, version, compare) does with the
 * frame's messages about the reader rather than the render: place reports go
 * to `onMetrics`, and a link opens in a new tab only on a real click (a user's
 * click in the frame activates this page too; an artifact's scripted `.click()`
 * does not). The artifact's own errors are its business, not the app's.
 */
export function handleReaderMessage(message: FrameMessage, onMetrics: FrameMetricsListener | undefined): void {
  switch (message.type) {
    case 'rendered':
    case 'scroll':
      onMetrics?.({ scrollY: message.scrollY, scrollHeight: message.scrollHeight, viewportHeight: message.viewportHeight }, message.type);
      break;
    case 'open-link': {
      if (!navigator.userActivation.isActive) break;
      const url = new URL(message.href);
      if (OPENABLE_PROTOCOLS.has(url.protocol)) window.open(url.href, '_blank', 'noopener,noreferrer');
      break;
    }
    default:
      break;
  }
}

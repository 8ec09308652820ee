import type { FrameMessage } from '../../../../lib/sandbox/bridge';

/** Where the reader is in a framed page. */
export interface FrameMetrics {
  scrollY: number;
  scrollHeight: number;
  viewportHeight: number;
}

export type FrameMetricsListener = (metrics: FrameMetrics, cause: 'rendered' | 'scroll') => void;

/** What a view of a framed page does with the frame's messages about the reader. */
export interface ReaderHandlers {
  /** Place reports: after each render, and while the reader scrolls or the page resizes. */
  onMetrics?: FrameMetricsListener;
  /**
   * The frame asks for a link to be opened: hand it to the view's
   * `useOpenLinkConfirmation`, which asks the reader. Never open it from here.
   */
  onOpenLink?: (href: string) => void;
}

/**
 * What every view of a framed page (live, version, compare) does with the
 * frame's messages about the reader rather than the render. An `open-link`
 * is only ever a request: the artifact can post one itself whenever a click
 * in the frame has given the page user activation, so what opens is decided
 * by the reader in the app's own confirmation (see open-link-dialog.tsx).
 * The artifact's own errors are its business, not the app's.
 */
export function handleReaderMessage(message: FrameMessage, handlers: ReaderHandlers): void {
  switch (message.type) {
    case 'rendered':
    case 'scroll':
      handlers.onMetrics?.({ scrollY: message.scrollY, scrollHeight: message.scrollHeight, viewportHeight: message.viewportHeight }, message.type);
      break;
    case 'open-link':
      handlers.onOpenLink?.(message.href);
      break;
    default:
      break;
  }
}

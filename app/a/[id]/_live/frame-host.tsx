'use client';

import { useEffect, useImperativeHandle, useRef, useState, type Ref, type RefObject } from 'react';
import {
  postToFrame,
  readFrameMessage,
  scrollToMessage,
  themeMessage,
  type AppMessage,
  type FrameMessage,
  type FrameReadyMessage,
} from '../../../../lib/sandbox/bridge';
import type { ColorScheme } from '../../../../lib/ui/theme';
import { useTheme } from '../../../../lib/ui/use-theme';
import { handleReaderMessage, type FrameMetricsListener } from './frame-messages';
import { useOpenLinkConfirmation } from './open-link-dialog';
import { FrameBridgeController, type FrameBridge } from './use-frame-bridge';
import styles from './artifact-frame.module.css';

/**
 * The one host of an artifact frame in the app, for the live view, a version
 * and each side of a comparison: the sandboxed iframe, the `ready`
 * handshake, every message checked against the frame's window and validated,
 * the theme, open-link (only ever a request the reader confirms), the
 * reader's place reports, scrolling, and the review bridge (pick mode, pins).
 *
 * What differs between views is where the page comes from: that is the
 * `content` input, a `FrameContent`. The host knows nothing of Y.Text or of
 * versions; a content source knows nothing of the frame but the channel it
 * is given.
 */

/** What a content source may do with the frame. */
export interface ContentChannel {
  /** Posts to the current frame document (dropped while none is ready). */
  post(message: AppMessage): void;
  /** Whether a frame document is ready to be sent to. */
  canSend(): boolean;
  /** The next render revision: increases for the life of the host, across content sources. */
  nextRev(): number;
}

/** A content source attached to a frame; made by a `FrameContent`, disposed when the content or the host goes. */
export interface ContentSender {
  /** A frame document said `ready` (now, or before this source was attached): it shows nothing yet; send the page. */
  frameReady(ready: FrameReadyMessage): void;
  /** Every other validated frame message, for sources that answer some (say, a frame asking for a full render). */
  handle?(message: FrameMessage): void;
  dispose(): void;
}

/** Where a view's page comes from. Keep it stable (memoize it): a new one replaces the sender. */
export type FrameContent = (channel: ContentChannel) => ContentSender;

export interface FrameHostOptions {
  scheme: ColorScheme;
  /** The frame's place reports: after each render, and while the reader scrolls or the page resizes. */
  onMetrics?: FrameMetricsListener;
  /** The frame asks to open a link: hand it to `useOpenLinkConfirmation`, never open it directly. */
  onOpenLink?: (href: string) => void;
}

/** The host's behaviour without the iframe element: the hook `FrameHost` uses (exported for views that draw their own iframe). */
export function useFrameHost(iframeRef: RefObject<HTMLIFrameElement | null>, content: FrameContent | null, options: FrameHostOptions): FrameBridge {
  const { scheme, onMetrics, onOpenLink } = options;
  const [bridge] = useState(() => new FrameBridgeController(iframeRef));
  /** The current frame document's `ready`, or null while none is ready. */
  const readyRef = useRef<FrameReadyMessage | null>(null);
  const senderRef = useRef<ContentSender | null>(null);
  const schemeRef = useRef(scheme);
  // Revisions start at the mount time (read once, not on every render), so they
  // keep increasing for a frame document that outlives a remount of the host.
  const [firstRev] = useState(() => Date.now());
  const revRef = useRef(firstRev);
  const onMetricsRef = useRef(onMetrics);
  useEffect(() => {
    onMetricsRef.current = onMetrics;
  }, [onMetrics]);
  const onOpenLinkRef = useRef(onOpenLink);
  useEffect(() => {
    onOpenLinkRef.current = onOpenLink;
  }, [onOpenLink]);

  // The frame's messages, for the life of the host (a `ready` must never be missed).
  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      const target = iframeRef.current?.contentWindow ?? null;
      const message = readFrameMessage(event, target);
      if (!message || !target) return;
      if (message.type === 'ready') {
        // A (re)loaded frame document starts empty: theme, page, then the review state.
        readyRef.current = message;
        postToFrame(target, themeMessage(schemeRef.current));
        senderRef.current?.frameReady(message);
        bridge.handleReady();
      } else {
        handleReaderMessage(message, { onMetrics: onMetricsRef.current, onOpenLink: onOpenLinkRef.current });
        senderRef.current?.handle?.(message);
      }
      // Review messages (and the ones above) go to the review UI's subscribers.
      bridge.deliver(message);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [iframeRef, bridge]);

  // The page: one sender per content source.
  useEffect(() => {
    if (!content) return;
    const channel: ContentChannel = {
      post: (message) => {
        const target = iframeRef.current?.contentWindow;
        if (target && readyRef.current !== null) postToFrame(target, message);
      },
      canSend: () => iframeRef.current?.contentWindow != null && readyRef.current !== null,
      nextRev: () => ++revRef.current,
    };
    const sender = content(channel);
    senderRef.current = sender;
    if (readyRef.current !== null) sender.frameReady(readyRef.current);
    return () => {
      if (senderRef.current === sender) senderRef.current = null;
      sender.dispose();
    };
  }, [iframeRef, content]);

  // Follow the app's theme (Loupe's overlay does; the page's own colours are the page's).
  useEffect(() => {
    schemeRef.current = scheme;
    const target = iframeRef.current?.contentWindow;
    if (target && readyRef.current !== null) postToFrame(target, themeMessage(scheme));
  }, [iframeRef, scheme]);

  return bridge;
}

/** Scrolls the page inside a frame (following another reader). */
export interface FrameScrollHandle {
  /** Scrolls the page inside the frame to `y` CSS px. */
  scrollTo(y: number): void;
}

/** Stable for the life of the frame: pass a state setter as `review` to re-render when it arrives. */
export interface FrameHostReview {
  bridge: FrameBridge;
  /** The iframe element, for placing things over the page (its box is the frame's viewport). */
  element(): HTMLIFrameElement | null;
}

interface FrameHostProps {
  sandboxOrigin: string;
  /** Where the page comes from (memoized). Null: nothing to show yet. */
  content: FrameContent | null;
  /** The iframe's accessible title. */
  title: string;
  className?: string;
  onMetrics?: FrameMetricsListener;
  handle?: Ref<FrameScrollHandle>;
  /** The review UI's way in: the bridge (pick mode, pins, the frame's messages) and the iframe's box. */
  review?: Ref<FrameHostReview>;
}

/**
 * The artifact, in a frame on the sandbox origin. `sandbox="allow-scripts"`
 * and nothing else: never same-origin access, forms, popups or top navigation.
 * Its links open only from the app's own confirmation, rendered beside it.
 */
export function FrameHost({ sandboxOrigin, content, title, className, onMetrics, handle, review }: FrameHostProps) {
  const iframeRef = useRef<HTMLIFrameElement>(null);
  const { scheme } = useTheme();
  const links = useOpenLinkConfirmation(iframeRef);
  const bridge = useFrameHost(iframeRef, content, { scheme, onMetrics, onOpenLink: links.ask });
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
        className={className ? `${styles.frame} ${className}` : styles.frame}
        src={`${sandboxOrigin}/frame`}
        sandbox="allow-scripts"
        title={title}
        referrerPolicy="no-referrer"
      />
      {links.dialog}
    </>
  );
}

'use client';

import { useEffect, useImperativeHandle, useRef, useState, type Ref } from 'react';
import { postToFrame, readFrameMessage, renderMessage, scrollToMessage, themeMessage } from '../../../../lib/sandbox/bridge';
import { useTheme } from '../../../../lib/ui/use-theme';
import { handleReaderMessage, type FrameMetricsListener } from './frame-messages';
import { useOpenLinkConfirmation } from './open-link-dialog';
import styles from './artifact-frame.module.css';

export type { FrameMetrics } from './frame-messages';

export interface VersionFrameHandle {
  /** Scrolls the page inside the frame to `y` CSS px. */
  scrollTo(y: number): void;
}

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
 * A fixed page (a version, or one side of a comparison) in the same sandboxed
 * frame as the live view, over the same bridge: `sandbox="allow-scripts"` and
 * nothing else; every message checked with `readFrameMessage`. Where the live
 * frame follows the room's Y.Text, this one is given its html. Its links open
 * only from the app's own confirmation, as there.
 */
export function VersionFrame({ sandboxOrigin, html, title, onMetrics, handle, className }: VersionFrameProps) {
  const iframeRef = useRef<HTMLIFrameElement>(null);
  const { scheme } = useTheme();
  const isReadyRef = useRef(false);
  const htmlRef = useRef(html);
  const schemeRef = useRef(scheme);
  const onMetricsRef = useRef(onMetrics);
  // The first revision is the mount time, read once (not on every render).
  const [firstRev] = useState(() => Date.now());
  const revRef = useRef(firstRev);
  const sentRef = useRef<string | null>(null);
  const links = useOpenLinkConfirmation(iframeRef);
  const askRef = useRef(links.ask);
  askRef.current = links.ask;

  useImperativeHandle(
    handle,
    () => ({
      scrollTo(y: number) {
        const target = iframeRef.current?.contentWindow;
        if (target && isReadyRef.current) postToFrame(target, scrollToMessage(Math.max(0, Math.round(y))));
      },
    }),
    [],
  );

  useEffect(() => {
    onMetricsRef.current = onMetrics;
  }, [onMetrics]);

  const send = () => {
    const target = iframeRef.current?.contentWindow;
    const next = htmlRef.current;
    if (!target || !isReadyRef.current || next === null || next === sentRef.current) return;
    sentRef.current = next;
    revRef.current += 1;
    postToFrame(target, renderMessage(revRef.current, next));
  };
  const sendRef = useRef(send);
  sendRef.current = send;

  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      const target = iframeRef.current?.contentWindow ?? null;
      const message = readFrameMessage(event, target);
      if (!message || !target) return;
      switch (message.type) {
        case 'ready':
          // A (re)loaded frame document starts empty: send the page again.
          isReadyRef.current = true;
          sentRef.current = null;
          postToFrame(target, themeMessage(schemeRef.current));
          sendRef.current();
          break;
        default:
          handleReaderMessage(message, { onMetrics: onMetricsRef.current, onOpenLink: (href) => askRef.current(href) });
      }
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, []);

  useEffect(() => {
    htmlRef.current = html;
    sendRef.current();
  }, [html]);

  useEffect(() => {
    schemeRef.current = scheme;
    const target = iframeRef.current?.contentWindow;
    if (target && isReadyRef.current) postToFrame(target, themeMessage(scheme));
  }, [scheme]);

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

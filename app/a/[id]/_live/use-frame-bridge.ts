'use client';

import { useEffect, useRef, type RefObject } from 'react';
import { htmlOf } from '../../../../lib/artifact/doc-shape';
import { postToFrame, readFrameMessage, renderMessage, themeMessage } from '../../../../lib/sandbox/bridge';
import type { ColorScheme } from '../../../../lib/ui/theme';
import type { CollabSession, LocalPresence } from './use-collab-session';

/** Scroll positions go into awareness at most this often. */
const PRESENCE_SCROLL_INTERVAL_MS = 250;
const OPENABLE_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);

type Scroll = NonNullable<LocalPresence['scroll']>;

/**
 * Connects the live document to the sandboxed frame:
 * - the first render goes once the frame says `ready` and the room has synced;
 * - later changes are coalesced to one render per animation frame, newest html only;
 * - `open-link` opens http(s) links in a new tab, without opener or referrer, on a real click only;
 * - the reader's scroll place goes into awareness for others to see.
 * Every message is checked against the frame's window and validated.
 */
export function useFrameBridge(
  iframeRef: RefObject<HTMLIFrameElement | null>,
  session: CollabSession | null,
  scheme: ColorScheme,
): void {
  const isFrameReadyRef = useRef(false);
  const schemeRef = useRef(scheme);
  /** Set by the session effect: ask for a render / report a scroll for the current session. */
  const scheduleRenderRef = useRef<() => void>(() => {});
  const reportScrollRef = useRef<(scroll: Scroll) => void>(() => {});

  // The frame's messages, for the life of the page (a `ready` must never be missed).
  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      const target = iframeRef.current?.contentWindow ?? null;
      const message = readFrameMessage(event, target);
      if (!message || !target) return;
      switch (message.type) {
        case 'ready':
          isFrameReadyRef.current = true;
          postToFrame(target, themeMessage(schemeRef.current));
          scheduleRenderRef.current();
          break;
        case 'rendered':
        case 'scroll':
          reportScrollRef.current({ y: Math.round(message.scrollY), height: Math.round(message.scrollHeight) });
          break;
        case 'open-link': {
          // Only a real click opens a tab: a user's click in the frame activates this page too
          // (activation reaches ancestors), a script's `.click()` in the artifact does not.
          if (!navigator.userActivation.isActive) break;
          const url = new URL(message.href);
          if (OPENABLE_PROTOCOLS.has(url.protocol)) window.open(url.href, '_blank', 'noopener,noreferrer');
          break;
        }
        case 'error':
          // The artifact's own script failed: the page's business, not the app's.
          break;
      }
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [iframeRef]);

  // Renders for the current session.
  useEffect(() => {
    if (!session) return;
    const { doc, provider } = session;
    const text = htmlOf(doc);
    // Revs only need to increase per frame document; starting from the clock keeps
    // them increasing across sessions too.
    let rev = Date.now();
    let hasSynced = provider.synced;
    let frameRequest = 0;
    let presenceTimer = 0;
    let pendingScroll: Scroll | null = null;

    const sendRender = () => {
      frameRequest = 0;
      const target = iframeRef.current?.contentWindow;
      if (!target || !isFrameReadyRef.current || !hasSynced) return;
      rev += 1;
      postToFrame(target, renderMessage(rev, text.toString()));
    };
    const scheduleRender = () => {
      if (frameRequest !== 0 || !isFrameReadyRef.current || !hasSynced) return;
      frameRequest = window.requestAnimationFrame(sendRender);
    };
    const onSync = (isSynced: boolean) => {
      if (!isSynced) return;
      hasSynced = true;
      scheduleRender();
    };
    const flushScroll = () => {
      presenceTimer = 0;
      if (pendingScroll) provider.awareness.setLocalStateField('scroll', pendingScroll);
      pendingScroll = null;
    };

    scheduleRenderRef.current = scheduleRender;
    reportScrollRef.current = (scroll) => {
      pendingScroll = scroll;
      if (presenceTimer === 0) presenceTimer = window.setTimeout(flushScroll, PRESENCE_SCROLL_INTERVAL_MS);
    };
    provider.on('sync', onSync);
    text.observe(scheduleRender);
    scheduleRender();
    return () => {
      scheduleRenderRef.current = () => {};
      reportScrollRef.current = () => {};
      provider.off('sync', onSync);
      text.unobserve(scheduleRender);
      if (frameRequest !== 0) window.cancelAnimationFrame(frameRequest);
      if (presenceTimer !== 0) window.clearTimeout(presenceTimer);
    };
  }, [iframeRef, session]);

  // Follow the app's theme; the frame may ignore it.
  useEffect(() => {
    schemeRef.current = scheme;
    const target = iframeRef.current?.contentWindow;
    if (target && isFrameReadyRef.current) postToFrame(target, themeMessage(scheme));
  }, [iframeRef, scheme]);
}

'use client';

import { useEffect, useRef, useState, type RefObject } from 'react';
import { htmlOf } from '../../../../lib/artifact/doc-shape';
import {
  focusPinMessage,
  parseAppMessage,
  pickMessage,
  pinsMessage,
  postToFrame,
  readFrameMessage,
  themeMessage,
  type AppMessage,
  type AppPinsMessage,
  type FrameMessage,
  type FramePin,
} from '../../../../lib/sandbox/bridge';
import { SourceSender } from '../../../../lib/sandbox/source-sender';
import type { ColorScheme } from '../../../../lib/ui/theme';
import type { CollabSession } from './use-collab-session';
import { handleReaderMessage, type FrameMetricsListener } from './frame-messages';


/** The frame's place reports: after each render, and while the reader scrolls or the page resizes. */
export type { FrameMetricsListener } from './frame-messages';

/** A listener for the frame's messages; see `FrameBridge.subscribe`. */
export type FrameMessageListener = (message: FrameMessage) => void;

/**
 * The review side of the artifact frame, returned by `useFrameBridge` for the
 * review UI. The object is stable for the life of the component, so it can go
 * into effect dependencies.
 *
 * Sending: the latest pins and pick mode are remembered and sent again when
 * the frame (re)loads, so callers never wait for the frame to be ready.
 *
 * Receiving: `subscribe` gets every validated frame message (the whole
 * `FrameMessage` union; switch on `type`). The frame runs untrusted code that
 * can post anything, so:
 * - `picked` and `pick-cancelled` are delivered only while pick mode is on,
 *   and end it; at any other time they are forgeries and are dropped;
 * - `pin-click` is delivered only during a real user gesture (a person's
 *   click or key press in the frame activates this page too);
 * - `selection` and `pins-placed` only describe the page and are delivered as
 *   they come. Treat every string in them as plain text.
 */
export interface FrameBridge {
  /**
   * Turns pick mode on or off. Turning it on also focuses the frame, so that
   * the arrow keys, Enter and Escape reach it. The frame ends pick mode
   * itself with `picked` or `pick-cancelled`; turning it off from here is
   * silent. Where focus goes afterwards (say, a comment box) is the caller's.
   */
  setPickMode(isOn: boolean): void;
  /**
   * Replaces every pin drawn on the page; the frame answers with
   * `pins-placed`. At most `MAX_PINS`, labels of 1 to 4 characters, colours
   * as `#hex`. A list the frame would refuse is a programming error: throws
   * a RangeError.
   */
  setPins(pins: readonly FramePin[]): void;
  /** Scrolls a pin's element to the middle of the frame and flashes it; ignored for a pin not found. */
  focusPin(id: string): void;
  /** Calls `listener` with each validated frame message; returns the function that unsubscribes. */
  subscribe(listener: FrameMessageListener): () => void;
}

/** The `FrameBridge` behind `useFrameBridge`; exported for tests. */
export class FrameBridgeController implements FrameBridge {
  /** Whether the current frame document has said `ready` (before that, nothing listens). */
  private isReady = false;
  private isPickOn = false;
  private pins: AppPinsMessage | null = null;
  private readonly listeners = new Set<FrameMessageListener>();

  constructor(private readonly iframeRef: RefObject<HTMLIFrameElement | null>) {}

  setPickMode(isOn: boolean): void {
    this.isPickOn = isOn;
    if (isOn) this.iframeRef.current?.focus();
    this.send(pickMessage(isOn));
  }

  setPins(pins: readonly FramePin[]): void {
    const message = pinsMessage(pins);
    if (parseAppMessage(message) === null) {
      throw new RangeError(`setPins: the frame would refuse these ${pins.length} pins (see FramePin and MAX_PINS)`);
    }
    this.pins = message;
    this.send(message);
  }

  focusPin(id: string): void {
    this.send(focusPinMessage(id));
  }

  subscribe(listener: FrameMessageListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** A frame document said `ready`: it knows nothing of pins or pick mode yet. */
  handleReady(): void {
    this.isReady = true;
    if (this.pins !== null) this.send(this.pins);
    if (this.isPickOn) this.send(pickMessage(true));
  }

  /** Applies the trust rules above to one validated message, then hands it to every listener. */
  deliver(message: FrameMessage): void {
    if (message.type === 'picked' || message.type === 'pick-cancelled') {
      if (!this.isPickOn) return;
      this.isPickOn = false;
    } else if (message.type === 'pin-click' && !navigator.userActivation.isActive) {
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(message);
      } catch (error) {
        // One broken listener must not starve the others; the error still reaches the console.
        reportError(error);
      }
    }
  }

  private send(message: AppMessage): void {
    const target = this.iframeRef.current?.contentWindow;
    if (target && this.isReady) postToFrame(target, message);
  }
}

/**
 * Connects the live document to the sandboxed frame:
 * - the first render goes once the frame says `ready` and the room has synced;
 * - later changes go as one `patch` per animation frame (what changed, composed) when the
 *   frame takes patches, else as one full render per animation frame; a `resync` from the
 *   frame is answered with a full render (lib/sandbox/source-sender.ts);
 * - `open-link` goes to `onOpenLink`, which only ever asks the reader (`useOpenLinkConfirmation`);
 * - the returned `FrameBridge` drives pick mode and pins, and hands out the frame's messages
 *   (picks, selections, pin clicks, pin placements) to the review UI.
 * - the frame's place reports go to `onMetrics` (presence and following use them).
 * Every message is checked against the frame's window and validated.
 */
export function useFrameBridge(
  iframeRef: RefObject<HTMLIFrameElement | null>,
  session: CollabSession | null,
  scheme: ColorScheme,
  onMetrics?: FrameMetricsListener,
  onOpenLink?: (href: string) => void,
): FrameBridge {
  const [bridge] = useState(() => new FrameBridgeController(iframeRef));
  const isFrameReadyRef = useRef(false);
  const schemeRef = useRef(scheme);
  /** The current session's sender (null between sessions). */
  const senderRef = useRef<SourceSender | null>(null);
  /** Whether the current frame document applies `patch` messages (its `ready` says so). */
  const acceptsPatchesRef = useRef(false);
  const onMetricsRef = useRef(onMetrics);
  useEffect(() => {
    onMetricsRef.current = onMetrics;
  }, [onMetrics]);
  const onOpenLinkRef = useRef(onOpenLink);
  useEffect(() => {
    onOpenLinkRef.current = onOpenLink;
  }, [onOpenLink]);

  // The frame's messages, for the life of the page (a `ready` must never be missed).
  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      const target = iframeRef.current?.contentWindow ?? null;
      const message = readFrameMessage(event, target);
      if (!message || !target) return;
      switch (message.type) {
        case 'ready':
          isFrameReadyRef.current = true;
          acceptsPatchesRef.current = message.delta === true;
          postToFrame(target, themeMessage(schemeRef.current));
          senderRef.current?.frameReady(acceptsPatchesRef.current);
          bridge.handleReady();
          break;
        case 'resync':
          senderRef.current?.requestRender();
          break;
        default:
          handleReaderMessage(message, { onMetrics: onMetricsRef.current, onOpenLink: onOpenLinkRef.current });
      }
      // Review messages (and the ones above) go to the review UI's subscribers.
      bridge.deliver(message);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [iframeRef, bridge]);

  // Renders and patches for the current session.
  useEffect(() => {
    if (!session) return;
    const { doc, provider } = session;
    let hasSynced = provider.synced;
    const sender = new SourceSender({
      source: htmlOf(doc),
      post: (message) => {
        const target = iframeRef.current?.contentWindow;
        if (target) postToFrame(target, message);
      },
      canSend: () => iframeRef.current?.contentWindow != null && isFrameReadyRef.current && hasSynced,
      schedule: (callback) => {
        const request = window.requestAnimationFrame(callback);
        return () => window.cancelAnimationFrame(request);
      },
      // Revs only need to increase per frame document; starting from the clock keeps
      // them increasing across sessions too.
      startRev: Date.now(),
    });
    const onSync = (isSynced: boolean) => {
      if (!isSynced) return;
      hasSynced = true;
      sender.requestRender();
    };

    senderRef.current = sender;
    provider.on('sync', onSync);
    if (isFrameReadyRef.current) sender.frameReady(acceptsPatchesRef.current);
    return () => {
      senderRef.current = null;
      provider.off('sync', onSync);
      sender.dispose();
    };
  }, [iframeRef, session]);

  // Follow the app's theme; the frame may ignore it.
  useEffect(() => {
    schemeRef.current = scheme;
    const target = iframeRef.current?.contentWindow;
    if (target && isFrameReadyRef.current) postToFrame(target, themeMessage(scheme));
  }, [iframeRef, scheme]);

  return bridge;
}

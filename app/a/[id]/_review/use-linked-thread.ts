'use client';

import { useEffect, useRef, useState } from 'react';
import type { ThreadView } from '../../../../lib/review/types';
import type { FrameMessage } from '../../../../lib/sandbox/bridge';
import type { FrameBridge } from '../_live/use-frame-bridge';

/** The query parameter of a link to one thread (the inbox's links). */
export const THREAD_PARAM = 'thread';

interface Options {
  threads: readonly ThreadView[];
  hasSynced: boolean;
  bridge: FrameBridge | null;
  /** Opens the panel on the thread, makes it active and focuses its card. */
  reveal(thread: ThreadView): void;
  /** Opens the panel (to say the linked thread is gone). */
  showPanel(): void;
}

/**
 * A link to one thread (`/a/<id>?thread=<tid>`, as the inbox makes them):
 * once the review room has synced, the panel opens on that thread and
 * focuses it, and the page scrolls to its pin as soon as the frame has drawn
 * it. A link to a thread that has since been deleted says so instead.
 * Handled once per page load; the parameter stays, so the link can be shared.
 */
export function useLinkedThread({ threads, hasSynced, bridge, reveal, showPanel }: Options): { missing: boolean; dismiss(): void } {
  /** undefined: not read yet; null: nothing (left) to do. */
  const linkedRef = useRef<string | null | undefined>(undefined);
  const [pinToFocus, setPinToFocus] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    if (!hasSynced) return;
    if (linkedRef.current === undefined) linkedRef.current = new URLSearchParams(window.location.search).get(THREAD_PARAM);
    const linked = linkedRef.current;
    if (!linked) return;
    linkedRef.current = null;
    const thread = threads.find((candidate) => candidate.id === linked);
    if (!thread) {
      setMissing(true);
      showPanel();
      return;
    }
    reveal(thread);
    if (thread.anchor) setPinToFocus(thread.id);
  }, [hasSynced, threads, reveal, showPanel]);

  // Pins are placed a frame or more after they are sent: wait for the frame to say this one is drawn.
  useEffect(() => {
    if (!pinToFocus || !bridge) return;
    return bridge.subscribe((message: FrameMessage) => {
      if (message.type !== 'pins-placed') return;
      const placement = message.placed.find((candidate) => candidate.id === pinToFocus);
      if (!placement) return;
      // An outdated anchor has nowhere to go; the card says why.
      if (placement.found) bridge.focusPin(pinToFocus);
      setPinToFocus(null);
    });
  }, [pinToFocus, bridge]);

  return { missing, dismiss: () => setMissing(false) };
}

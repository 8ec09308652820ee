'use client';

import { useEffect, useMemo, useRef } from 'react';
import type { FramePin } from '../../../../lib/sandbox/bridge';
import type { AnchorInput, ThreadView } from '../../../../lib/review/types';
import type { FrameBridge } from '../_live/use-frame-bridge';
import type { ResolvedAnchors } from './use-anchor-states';

/**
 * Pin colours, as hex because the frame draws them (it cannot read the app's
 * CSS variables): the app's accent for open threads, its success green for
 * resolved ones. The frame marks `changed` pins itself.
 */
export const PIN_COLORS = { open: '#3d4fd6', resolved: '#17703e' } as const;

/**
 * The pins to draw for these threads: pinned ones only, each at the element
 * its anchor resolves to on the page now, labelled with the thread's number.
 * Outdated ones are included (the frame skips them) so the set mirrors the
 * list. Threads whose anchor has not been resolved yet wait for it.
 */
export function buildPins(
  threads: readonly ThreadView[],
  resolved: ResolvedAnchors,
  numbers: ReadonlyMap<string, number>,
  activeThreadId: string | null,
): FramePin[] {
  const pins: FramePin[] = [];
  for (const thread of threads) {
    const { anchor } = thread;
    const place = resolved.get(thread.id);
    if (!anchor || !place) continue;
    pins.push({
      id: thread.id,
      kind: anchor.kind,
      tag: place.tag,
      ordinal: place.ordinal,
      selector: anchor.selector,
      quote: anchor.quote,
      label: String(numbers.get(thread.id) ?? ''),
      color: PIN_COLORS[thread.status],
      state: place.state,
      active: thread.id === activeThreadId,
      ...(anchor.point ? { point: anchor.point } : {}),
    });
  }
  return pins.filter((pin) => pin.label !== '');
}

/** The id of the pin that marks where a comment being written will go. */
export const DRAFT_PIN_ID = 'new-comment';

/** Marks what a new comment is being written about, until it is sent or dropped. */
export function draftPin(anchor: AnchorInput): FramePin {
  return {
    id: DRAFT_PIN_ID,
    kind: anchor.kind,
    tag: anchor.tag,
    ordinal: anchor.start === null ? null : anchor.ordinal,
    selector: anchor.selector,
    quote: anchor.quote,
    label: '+',
    color: PIN_COLORS.open,
    state: 'ok',
    active: true,
    ...(anchor.point ? { point: anchor.point } : {}),
  };
}

/**
 * Sends the pins to the frame whenever they change, and to a new bridge.
 * Identical sets are not re-sent: each `pins` message makes the frame
 * re-place every pin. (The bridge itself re-sends the last set to a frame
 * that reloads.)
 */
export function usePins(bridge: FrameBridge | null, pins: readonly FramePin[]): void {
  const signature = useMemo(() => JSON.stringify(pins), [pins]);
  const pinsRef = useRef(pins);
  useEffect(() => {
    pinsRef.current = pins;
  }, [pins]);
  useEffect(() => {
    // `signature` stands for the pins' content: a new array with the same pins sends nothing.
    bridge?.setPins(pinsRef.current);
  }, [bridge, signature]);
}

'use client';

import { useEffect, useRef, useState } from 'react';
import { htmlOf } from '../../../../lib/artifact/doc-shape';
import { resolveAnchor } from '../../../../lib/review/anchor';
import { scanElements } from '../../../../lib/review/html-source';
import type { AnchorState, ThreadView } from '../../../../lib/review/types';
import type { CollabSession } from '../_live/use-collab-session';

/** Content changes arrive in bursts while an agent writes; resolve once they pause this long. */
export const ANCHOR_RESOLVE_DEBOUNCE_MS = 100;
/** ...but never wait longer than this, so pins keep up with a page that streams for minutes. */
export const ANCHOR_RESOLVE_MAX_WAIT_MS = 1_000;

/** Where a pinned thread's anchor stands on the page as it is now. */
export interface ResolvedAnchor {
  state: AnchorState;
  /** The element the frame should pin to (the anchor's own when outdated). */
  tag: string;
  /** Its index among the page's elements with that tag; null: the frame finds it by selector and quote. */
  ordinal: number | null;
}

export type ResolvedAnchors = ReadonlyMap<string, ResolvedAnchor>;

const NONE: ResolvedAnchors = new Map();

/**
 * Resolves every pinned thread's anchor against the live page, on this
 * client: deterministic, so every reviewer sees the same states. The page is
 * scanned once per resolution (not once per thread), and resolutions are
 * debounced while the page streams in (with a ceiling, so pins still move).
 * Nothing is resolved before the content room has synced: an empty page
 * would call every anchor outdated.
 */
export function useAnchorStates(content: CollabSession | null, threads: readonly ThreadView[]): ResolvedAnchors {
  const [resolved, setResolved] = useState<ResolvedAnchors>(NONE);
  const threadsRef = useRef(threads);
  const scheduleRef = useRef<() => void>(() => {});

  useEffect(() => {
    if (!content) {
      setResolved(NONE);
      return;
    }
    const { doc, provider } = content;
    const text = htmlOf(doc);
    let timer = 0;
    /** When the oldest change not yet resolved came in (0: none pending). */
    let pendingSince = 0;

    const resolveAll = () => {
      timer = 0;
      pendingSince = 0;
      if (!provider.synced) return;
      const pinned = threadsRef.current.filter((thread) => thread.anchor !== null);
      if (pinned.length === 0) {
        setResolved(NONE);
        return;
      }
      const elements = scanElements(text.toString());
      const next = new Map<string, ResolvedAnchor>();
      for (const thread of pinned) {
        if (!thread.anchor) continue;
        const result = resolveAnchor(text, thread.anchor, elements);
        next.set(thread.id, { state: result.state, tag: result.tag, ordinal: result.ordinal });
      }
      setResolved((previous) => (sameResolution(previous, next) ? previous : next));
    };
    const schedule = () => {
      const now = performance.now();
      if (pendingSince === 0) pendingSince = now;
      if (timer !== 0) window.clearTimeout(timer);
      const wait = Math.min(ANCHOR_RESOLVE_DEBOUNCE_MS, Math.max(0, pendingSince + ANCHOR_RESOLVE_MAX_WAIT_MS - now));
      timer = window.setTimeout(resolveAll, wait);
    };
    const onSync = (isSynced: boolean) => {
      if (isSynced) schedule();
    };

    scheduleRef.current = schedule;
    text.observe(schedule);
    provider.on('sync', onSync);
    schedule();
    return () => {
      scheduleRef.current = () => {};
      text.unobserve(schedule);
      provider.off('sync', onSync);
      if (timer !== 0) window.clearTimeout(timer);
    };
  }, [content]);

  // New, edited or deleted threads: resolve again (same debounce, so a burst of changes costs one scan).
  useEffect(() => {
    threadsRef.current = threads;
    scheduleRef.current();
  }, [threads]);

  return resolved;
}

/** Keeps the previous map (and every memo that depends on it) when nothing moved. */
function sameResolution(a: ResolvedAnchors, b: ResolvedAnchors): boolean {
  if (a.size !== b.size) return false;
  for (const [id, next] of b) {
    const previous = a.get(id);
    if (!previous || previous.state !== next.state || previous.tag !== next.tag || previous.ordinal !== next.ordinal) return false;
  }
  return true;
}

/** Just the states, for filters and badges. */
export function statesOf(resolved: ResolvedAnchors): ReadonlyMap<string, AnchorState> {
  return new Map(Array.from(resolved, ([id, anchor]) => [id, anchor.state]));
}

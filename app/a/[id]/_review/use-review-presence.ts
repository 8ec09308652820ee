'use client';

import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, type RefObject } from 'react';
import type { CollabSession } from '../_live/use-collab-session';
import { usePresence, type Participant, type PresenceScroll, type PresenceState, type PresenceView, type Viewer } from '../_live/use-presence';
import type { FrameMetrics, VersionFrameHandle } from '../_live/versions-frame';
import { useFollow, type Follow } from './use-follow';

/** Our place goes into awareness at most this often (ten a second, like the frame's own reports). */
export const PRESENCE_SCROLL_INTERVAL_MS = 100;
/** `?follow=<user id>`: a link from another page that carries following on. */
export const FOLLOW_PARAM = 'follow';

export interface ReviewPresence {
  /** Everyone here, this tab first (see `usePresence`). */
  participants: Participant[];
  /** The page this tab has open. */
  view: PresenceView | null;
  follow: Follow;
  /** The awareness client id being followed (while present), for the avatars and the rail. */
  followingClientId: number | null;
  /** Follows this reader, or stops following if they are the one followed. */
  toggleFollow(participant: Participant): void;
  /** Give to the frame (`handle`): following scrolls it. */
  frameHandle: RefObject<VersionFrameHandle | null>;
  /** Give to the frame (`onMetrics`): our place is published, and following watches for our own scrolls. */
  onFrameMetrics(metrics: FrameMetrics, cause: 'rendered' | 'scroll'): void;
}

interface ReviewPresenceOptions {
  /** The review room: presence is published and read there. */
  review: CollabSession | null;
  /** The content room, if this page has joined it: agents on a socket sit there. */
  content: CollabSession | null;
  viewer: Viewer | null;
  /** The page this tab shows; null publishes nothing (e.g. an unknown version). */
  view: PresenceView | null;
}

function toScroll(metrics: FrameMetrics): PresenceScroll {
  return { y: Math.round(metrics.scrollY), height: Math.round(metrics.scrollHeight), viewport: Math.round(metrics.viewportHeight) };
}

/**
 * This tab's presence in the review room: which page it shows, where in it
 * (from the frame's reports, at most ten a second), and whom it follows.
 * The server stamps who we are (`user`) on it. Returns everyone's presence
 * and following, for the header, the scroll rail and the frame.
 */
export function useReviewPresence({ review, content, viewer, view }: ReviewPresenceOptions): ReviewPresence {
  const participants = usePresence(useMemo(() => ({ review, content }), [review, content]), viewer);
  const frameHandle = useRef<VersionFrameHandle | null>(null);
  // Stable per page: callers pass `{ version: n }` as a new object on every render.
  const isLive = view === 'live';
  const version = view !== null && view !== 'live' ? view.version : null;
  const stableView = useMemo<PresenceView | null>(() => (isLive ? 'live' : version !== null ? { version } : null), [isLive, version]);
  const follow = useFollow({ participants, view: stableView, frame: frameHandle });
  const followingClientId = follow.leader?.clientId ?? null;

  const stateRef = useRef<{ scroll: PresenceScroll | null; following: number | null }>({ scroll: null, following: null });
  const pendingScrollRef = useRef<PresenceScroll | null>(null);
  const timerRef = useRef(0);

  // Join: the whole state at once, so others never see us without a page.
  useEffect(() => {
    if (!review) return;
    const { awareness } = review.provider;
    if (stableView === null) {
      awareness.setLocalState(null);
      return;
    }
    const { scroll, following } = stateRef.current;
    const state: PresenceState = { view: stableView, ...(scroll ? { scroll } : {}), ...(following !== null ? { following } : {}) };
    awareness.setLocalState(state);
  }, [review, stableView]);

  useEffect(() => {
    stateRef.current.following = followingClientId;
    const awareness = review?.provider.awareness;
    if (!awareness?.getLocalState()) return;
    awareness.setLocalStateField('following', followingClientId ?? undefined);
  }, [review, followingClientId]);

  const flushScroll = useCallback(() => {
    timerRef.current = 0;
    const scroll = pendingScrollRef.current;
    pendingScrollRef.current = null;
    const awareness = review?.provider.awareness;
    if (scroll && awareness?.getLocalState()) awareness.setLocalStateField('scroll', scroll);
  }, [review]);

  useEffect(
    () => () => {
      if (timerRef.current !== 0) window.clearTimeout(timerRef.current);
      timerRef.current = 0;
    },
    [review],
  );

  const { onFrameMetrics: followOnMetrics, startByUserId, start, stop } = follow;
  const toggleFollow = useCallback(
    (participant: Participant) => (participant.clientId === followingClientId ? stop() : start(participant)),
    [followingClientId, start, stop],
  );
  const onFrameMetrics = useCallback(
    (metrics: FrameMetrics, cause: 'rendered' | 'scroll') => {
      const scroll = toScroll(metrics);
      stateRef.current.scroll = scroll;
      pendingScrollRef.current = scroll;
      if (timerRef.current === 0) timerRef.current = window.setTimeout(flushScroll, PRESENCE_SCROLL_INTERVAL_MS);
      followOnMetrics(metrics, cause);
    },
    [flushScroll, followOnMetrics],
  );

  // A link from another page asked us to keep following someone: pick it up, then tidy the address.
  const followParam = useSearchParams().get(FOLLOW_PARAM);
  useEffect(() => {
    if (!followParam) return;
    startByUserId(followParam);
    const url = new URL(window.location.href);
    url.searchParams.delete(FOLLOW_PARAM);
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }, [followParam, startByUserId]);

  return { participants, view: stableView, follow, followingClientId, toggleFollow, frameHandle, onFrameMetrics };
}

/** The address of a page with following carried on: `/a/:id` or `/a/:id/v/:n`, plus `?follow=`. */
export function followHref(artifactId: string, view: PresenceView, userId: string): string {
  const path = view === 'live' ? `/a/${artifactId}` : `/a/${artifactId}/v/${view.version}`;
  return `${path}?${FOLLOW_PARAM}=${encodeURIComponent(userId)}`;
}

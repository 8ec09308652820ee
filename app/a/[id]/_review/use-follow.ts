'use client';

import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { isSameView, type Participant, type PresenceScroll, type PresenceView } from '../_live/use-presence';
import type { FrameMetrics, VersionFrameHandle } from '../_live/versions-frame';

/** A leader who vanished (closed the tab, or is changing pages) is waited for this long. */
export const LEADER_AWAY_MS = 15_000;
/** A frame report within this many px of a position we asked for is our own doing. */
const OWN_SCROLL_TOLERANCE_PX = 2;
/** Positions we asked for count as ours for this long (the frame reports at most every 100 ms). */
const OWN_SCROLL_WINDOW_MS = 1_500;

/** Who we follow: a connection, and the person, so a new connection of theirs (another page) is picked up. */
export interface FollowTarget {
  clientId: number | null;
  userId: string;
  /** Their name as last seen, for while they are away; empty until first seen. */
  name: string;
}

export interface Follow {
  /** Set while following, even while the leader is away between pages. */
  target: FollowTarget | null;
  /** The leader as present now; null while away (or not following). */
  leader: Participant | null;
  /** The leader has another page open than ours (another version, or the live page). */
  isLeaderElsewhere: boolean;
  /** Starts following someone; following them again, or yourself, does nothing. */
  start(participant: Participant): void;
  /** Starts following a person by user id once they show up (a link from another page). */
  startByUserId(userId: string): void;
  stop(): void;
  /** Feed every report from our own frame: a scroll we did not ask for ends following. */
  onFrameMetrics(metrics: FrameMetrics, cause: 'rendered' | 'scroll'): void;
}

interface SentScroll {
  y: number;
  at: number;
}

function findLeader(participants: Participant[], target: FollowTarget | null): Participant | null {
  if (!target) return null;
  const others = participants.filter((p) => !p.isSelf && p.kind === 'user');
  return (
    others.find((p) => p.clientId === target.clientId) ??
    // Their connection went (a new page opens a new one): follow the same person's new connection.
    others.find((p) => p.userId === target.userId && p.view !== null) ??
    null
  );
}

/** Where our frame should scroll to be at the leader's place: her offset, scaled from her page height to ours. */
export function scaledScrollY(leader: PresenceScroll, own: FrameMetrics | null): number {
  if (!own || leader.height <= 0 || own.scrollHeight <= 0) return leader.y;
  return (leader.y * own.scrollHeight) / leader.height;
}

/** A report our own `scrollTo` explains: at (or clamped near) a place we asked for, recently. */
function isOwnScroll(metrics: FrameMetrics, sent: SentScroll[], now: number): boolean {
  const maxY = Math.max(0, metrics.scrollHeight - metrics.viewportHeight);
  return sent.some((s) => now - s.at <= OWN_SCROLL_WINDOW_MS && Math.abs(Math.min(s.y, maxY) - metrics.scrollY) <= OWN_SCROLL_TOLERANCE_PX);
}

/**
 * Following another reader: our frame scrolls to her place whenever it
 * changes (and when our page's height changes), as long as we both have the
 * same page open. It ends with `stop()`, Escape, our own scroll in the frame
 * (a report no `scrollTo` of ours explains), or when she is gone for
 * `LEADER_AWAY_MS`.
 */
export function useFollow({
  participants,
  view,
  frame,
}: {
  participants: Participant[];
  /** The page we have open. */
  view: PresenceView | null;
  frame: RefObject<VersionFrameHandle | null>;
}): Follow {
  const [target, setTarget] = useState<FollowTarget | null>(null);
  const leader = useMemo(() => findLeader(participants, target), [participants, target]);
  const isLeaderElsewhere = leader !== null && !isSameView(leader.view, view);
  const ownMetricsRef = useRef<FrameMetrics | null>(null);
  const sentRef = useRef<SentScroll[]>([]);
  const leaderRef = useRef<Participant | null>(null);
  const viewRef = useRef(view);
  const targetRef = useRef(target);
  useEffect(() => {
    leaderRef.current = leader;
    viewRef.current = view;
    targetRef.current = target;
  });

  const stop = useCallback(() => {
    sentRef.current = [];
    setTarget(null);
  }, []);

  const start = useCallback((participant: Participant) => {
    if (participant.isSelf || participant.kind !== 'user') return;
    setTarget({ clientId: participant.clientId, userId: participant.userId, name: participant.name });
  }, []);

  const startByUserId = useCallback((userId: string) => setTarget({ clientId: null, userId, name: '' }), []);

  /** Scrolls our frame to the leader's place, if we are on her page. */
  const catchUp = useCallback(() => {
    const current = leaderRef.current;
    if (!current?.scroll || !isSameView(current.view, viewRef.current)) return;
    const y = Math.max(0, Math.round(scaledScrollY(current.scroll, ownMetricsRef.current)));
    const now = Date.now();
    sentRef.current = [...sentRef.current.filter((s) => now - s.at <= OWN_SCROLL_WINDOW_MS), { y, at: now }];
    frame.current?.scrollTo(y);
  }, [frame]);

  // Keep following the same person when her connection changes (she opened another page).
  const leaderClientId = leader?.clientId ?? null;
  const leaderName = leader?.name ?? null;
  useEffect(() => {
    if (!target || leaderClientId === null || leaderName === null) return;
    if (target.clientId !== leaderClientId || target.name !== leaderName) {
      setTarget({ clientId: leaderClientId, userId: target.userId, name: leaderName });
    }
  }, [leaderClientId, leaderName, target]);

  // Her place changed (or we just started): go there.
  const leaderY = leader?.scroll?.y;
  const leaderHeight = leader?.scroll?.height;
  const isOnOurPage = leader !== null && !isLeaderElsewhere;
  useEffect(() => {
    if (isOnOurPage) catchUp();
  }, [catchUp, isOnOurPage, leaderY, leaderHeight]);

  // Gone: wait a while for her to come back (a page change), then give up.
  const isAway = target !== null && leader === null;
  useEffect(() => {
    if (!isAway) return;
    const timer = window.setTimeout(stop, LEADER_AWAY_MS);
    return () => window.clearTimeout(timer);
  }, [isAway, stop]);

  // Escape stops following (unless something else on the page handled it).
  const isFollowing = target !== null;
  useEffect(() => {
    if (!isFollowing) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) stop();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [isFollowing, stop]);

  const onFrameMetrics = useCallback(
    (metrics: FrameMetrics, cause: 'rendered' | 'scroll') => {
      const previous = ownMetricsRef.current;
      ownMetricsRef.current = metrics;
      if (!targetRef.current) return;
      // A new render or a resize moves the page under us: catch up rather than stop.
      const hasLayoutChanged =
        cause === 'rendered' ||
        previous === null ||
        Math.abs(metrics.scrollHeight - previous.scrollHeight) > 1 ||
        Math.abs(metrics.viewportHeight - previous.viewportHeight) > 1;
      if (hasLayoutChanged) {
        catchUp();
        return;
      }
      const hasMoved = Math.abs(metrics.scrollY - previous.scrollY) > 1;
      if (hasMoved && !isOwnScroll(metrics, sentRef.current, Date.now())) stop();
    },
    [catchUp, stop],
  );

  return { target, leader, isLeaderElsewhere, start, startByUserId, stop, onFrameMetrics };
}

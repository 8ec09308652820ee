'use client';

import type { CSSProperties } from 'react';
import { isSameView, type Participant, type PresenceScroll, type PresenceView } from '../_live/use-presence';
import styles from './scroll-rail.module.css';

/** A viewport shorter than this share of the page is still drawn this tall (percent of the rail). */
const MIN_MARKER_PERCENT = 2.5;

interface ScrollRailProps {
  participants: Participant[];
  /** The page this tab shows: only readers of the same page have a place on it. */
  view: PresenceView | null;
  /** The awareness client id being followed, if any. */
  followingClientId: number | null;
  /** Follows this reader, or stops if they are the one followed. */
  onToggleFollow(participant: Participant): void;
}

interface Placement {
  topPercent: number;
  heightPercent: number;
  /** How far down the page the top of their viewport is, 0-100. */
  progress: number;
}

function placementOf(scroll: PresenceScroll): Placement | null {
  if (scroll.height <= 0) return null;
  const heightPercent = Math.max(MIN_MARKER_PERCENT, Math.min(100, (scroll.viewport / scroll.height) * 100));
  const topPercent = Math.min(100 - heightPercent, Math.max(0, (scroll.y / scroll.height) * 100));
  const scrollable = Math.max(1, scroll.height - scroll.viewport);
  return { topPercent, heightPercent, progress: Math.round(Math.min(1, scroll.y / scrollable) * 100) };
}

function placementStyle(placement: Placement, color: string): CSSProperties {
  return { top: `${placement.topPercent}%`, height: `${placement.heightPercent}%`, '--marker-color': color } as CSSProperties;
}

/**
 * A thin track along the right edge of the frame: where each other reader of
 * this page is, as a segment in their colour the height of their viewport,
 * and your own place, faintly. Only the markers take the pointer; the page
 * under the rest of the track stays usable. A marker follows its reader.
 */
export function ScrollRail({ participants, view, followingClientId, onToggleFollow }: ScrollRailProps) {
  const self = participants.find((p) => p.isSelf);
  const selfPlacement = self?.scroll ? placementOf(self.scroll) : null;
  const readers = participants
    .filter((p) => !p.isSelf && p.kind === 'user' && p.scroll !== null && isSameView(p.view, view))
    .map((p) => ({ person: p, placement: p.scroll ? placementOf(p.scroll) : null }))
    .filter((r): r is { person: Participant; placement: Placement } => r.placement !== null);
  if (readers.length === 0 && !selfPlacement) return null;

  return (
    <div className={styles.rail} role="group" aria-label="Where readers are in the page" data-testid="scroll-rail">
      {selfPlacement && self ? (
        <span className={styles.self} style={placementStyle(selfPlacement, self.color)} aria-hidden="true" data-testid="rail-self" />
      ) : null}
      {readers.map(({ person, placement }) => {
        const isFollowed = followingClientId === person.clientId;
        const where = `${placement.progress}% down`;
        return (
          <button
            key={person.clientId}
            type="button"
            className={styles.marker}
            style={placementStyle(placement, person.color)}
            data-following={isFollowed || undefined}
            data-testid="rail-marker"
            aria-pressed={isFollowed}
            aria-label={`${isFollowed ? 'Following' : 'Follow'} ${person.name}, ${where}`}
            onClick={() => onToggleFollow(person)}
          >
            <span className={styles.tooltip} aria-hidden="true">
              <strong>{person.name}</strong> · {where}
            </span>
          </button>
        );
      })}
    </div>
  );
}

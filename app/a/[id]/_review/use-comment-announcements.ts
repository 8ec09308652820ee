'use client';

import { useEffect, useRef, useState } from 'react';
import type { ThreadView } from '../../../../lib/review/types';

/** Screen readers get the start of a comment, not all of it. */
const EXCERPT_CHARS = 140;

/**
 * What to read out when someone else's comment arrives: "Ada replied on
 * thread 3: …" or "Ada started thread 4: …". Comments present when the room
 * first synced, and the viewer's own, are never announced. Several arriving
 * together are summed up in one sentence.
 */
export function useCommentAnnouncements(
  threads: readonly ThreadView[],
  hasSynced: boolean,
  viewerId: string | null,
  numbers: ReadonlyMap<string, number>,
): string {
  const knownRef = useRef<Set<string> | null>(null);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    if (!hasSynced) return;
    const known = knownRef.current;
    const current = new Set<string>();
    const arrivals: string[] = [];
    for (const thread of threads) {
      thread.comments.forEach((comment, index) => {
        current.add(comment.id);
        if (!known || known.has(comment.id) || comment.deleted) return;
        if (comment.author.kind === 'user' && comment.author.id === viewerId) return;
        const who = comment.author.name || (comment.author.kind === 'agent' ? 'The agent' : 'Someone');
        const number = numbers.get(thread.id);
        const where = number === undefined ? '' : ` ${index === 0 ? 'started' : 'replied on'} thread ${number}`;
        arrivals.push(`${who}${where || ' commented'}: ${excerpt(comment.text)}`);
      });
    }
    knownRef.current = current;
    if (arrivals.length === 1) setAnnouncement(arrivals[0]);
    else if (arrivals.length > 1) setAnnouncement(`${arrivals.length} new comments. ${arrivals[arrivals.length - 1]}`);
  }, [threads, hasSynced, viewerId, numbers]);

  return announcement;
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

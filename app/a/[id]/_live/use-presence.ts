'use client';

import { useEffect, useState } from 'react';
import { z } from 'zod';
import type { CollabSession } from './use-collab-session';

/** The identity the server stamps on every awareness state; anything else is ignored. */
const presenceUserSchema = z.object({
  id: z.string().max(200),
  name: z.string().max(200),
  color: z.string().regex(/^#[0-9a-fA-F]{3,8}$/),
  kind: z.enum(['user', 'agent']),
});

export interface Participant {
  /** Awareness client id: one per open connection. */
  clientId: number;
  userId: string;
  name: string;
  /** The server's colour for this person (from `/me` for our own entry). */
  color: string;
  kind: 'user' | 'agent';
  /** This tab. */
  isSelf: boolean;
  /** Another tab or device signed in as the same person. */
  isSameUser: boolean;
}

export interface Viewer {
  id: string;
  name: string;
  /** The server-assigned presence colour, from `/me`: the one others see for us. */
  color: string;
}

/**
 * Everyone connected to the room, one entry per connection, this tab first.
 * Our own state never comes back to us with the server's `user` stamp
 * (awareness ignores echoes), so our entry is built from `/me`, colour
 * included: `/me` returns the same server-assigned colour others see.
 */
export function usePresence(session: CollabSession | null, viewer: Viewer | null): Participant[] {
  const [participants, setParticipants] = useState<Participant[]>([]);

  useEffect(() => {
    if (!session) return;
    const { awareness } = session.provider;
    const update = () => {
      const others: Participant[] = [];
      for (const [clientId, state] of awareness.getStates()) {
        if (clientId === awareness.clientID) continue;
        const parsed = presenceUserSchema.safeParse((state as { user?: unknown }).user);
        if (!parsed.success) continue;
        const user = parsed.data;
        others.push({
          clientId,
          userId: user.id,
          name: user.name,
          color: user.color,
          kind: user.kind,
          isSelf: false,
          isSameUser: viewer !== null && user.id === viewer.id,
        });
      }
      others.sort((a, b) => Number(b.isSameUser) - Number(a.isSameUser) || a.name.localeCompare(b.name) || a.clientId - b.clientId);
      const self: Participant[] = viewer
        ? [
            {
              clientId: awareness.clientID,
              userId: viewer.id,
              name: viewer.name,
              color: viewer.color,
              kind: 'user',
              isSelf: true,
              isSameUser: true,
            },
          ]
        : [];
      setParticipants([...self, ...others]);
    };
    update();
    awareness.on('change', update);
    return () => awareness.off('change', update);
  }, [session, viewer]);

  return participants;
}

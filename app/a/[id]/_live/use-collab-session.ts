'use client';

import { useEffect, useState } from 'react';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { isFinalClose } from './close-reasons';

export interface CollabSession {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

/** Local awareness fields; the server adds `user` (who we are) itself. */
export interface LocalPresence {
  view: 'live';
  scroll?: { y: number; height: number };
}

/** The artifact's three rooms: the page, the review layer (threads, statuses, presence), the shared notes. */
export type CollabRoom = 'content' | 'review' | 'notes';

/**
 * Joins one of the artifact's rooms over y-websocket. The session cookie
 * authenticates the socket (same origin). Created in an effect, so React's
 * strict-mode double mount makes and destroys a throwaway first session.
 */
export function useCollabSession(artifactId: string, room: CollabRoom = 'content'): CollabSession | null {
  const [session, setSession] = useState<CollabSession | null>(null);

  useEffect(() => {
    const doc = new Y.Doc();
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const roomName = room === 'content' ? artifactId : `${artifactId}/${room}`;
    const provider = new WebsocketProvider(`${scheme}://${window.location.host}/collab`, roomName, doc, {
      // Presence comes from the server only; tabs must not short-circuit it.
      disableBc: true,
      shouldReconnect: (event) => !isFinalClose(event.code),
    });
    if (room === 'content') {
      const presence: LocalPresence = { view: 'live' };
      provider.awareness.setLocalState(presence);
    } else {
      // Review-room presence is set by its users (use-review-presence); notes presence by Lexical.
      provider.awareness.setLocalState(null);
    }
    setSession({ doc, provider });
    return () => {
      setSession(null);
      provider.destroy();
      doc.destroy();
    };
  }, [artifactId, room]);

  return session;
}

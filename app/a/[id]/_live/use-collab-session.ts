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

/**
 * Joins the artifact's content room over y-websocket. The session cookie
 * authenticates the socket (same origin). Created in an effect, so React's
 * strict-mode double mount makes and destroys a throwaway first session.
 */
export function useCollabSession(artifactId: string): CollabSession | null {
  const [session, setSession] = useState<CollabSession | null>(null);

  useEffect(() => {
    const doc = new Y.Doc();
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const provider = new WebsocketProvider(`${scheme}://${window.location.host}/collab`, artifactId, doc, {
      // Presence comes from the server only; tabs must not short-circuit it.
      disableBc: true,
      shouldReconnect: (event) => !isFinalClose(event.code),
    });
    const presence: LocalPresence = { view: 'live' };
    provider.awareness.setLocalState(presence);
    setSession({ doc, provider });
    return () => {
      setSession(null);
      provider.destroy();
      doc.destroy();
    };
  }, [artifactId]);

  return session;
}

'use client';

import { useEffect, useState } from 'react';
import type { CollabSession } from './use-collab-session';
import { htmlOf } from '../../../../lib/artifact/doc-shape';

/** "Updating…" shows while changes arrived within this window. */
export const UPDATING_WINDOW_MS = 2_000;

export interface PageActivity {
  /** Changes arrived from the room in the last UPDATING_WINDOW_MS. */
  isUpdating: boolean;
  /** The first sync has completed. */
  hasSynced: boolean;
  /** Synced and the page source is empty: the agent has not written anything yet. */
  isEmpty: boolean;
}

/**
 * Watches the page source: the first sync is the page as it stands, every
 * change after it is an update worth showing.
 */
export function usePageActivity(session: CollabSession | null): PageActivity {
  const [hasSynced, setHasSynced] = useState(false);
  const [isEmpty, setIsEmpty] = useState(false);
  const [lastUpdateAt, setLastUpdateAt] = useState(0);
  const [now, setNow] = useState(0);

  useEffect(() => {
    if (!session) return;
    const { doc, provider } = session;
    const text = htmlOf(doc);
    let synced = provider.synced;
    setHasSynced(synced);
    setIsEmpty(synced && text.length === 0);

    const onSync = (isSynced: boolean) => {
      if (!isSynced) return;
      synced = true;
      setHasSynced(true);
      setIsEmpty(text.length === 0);
    };
    const onChange = () => {
      setIsEmpty(synced && text.length === 0);
      if (synced) setLastUpdateAt(Date.now());
    };
    provider.on('sync', onSync);
    text.observe(onChange);
    return () => {
      provider.off('sync', onSync);
      text.unobserve(onChange);
    };
  }, [session]);

  // Re-render once the window has passed, so "Updating…" turns back into "Live".
  useEffect(() => {
    if (lastUpdateAt === 0) return;
    setNow(Date.now());
    const timer = window.setTimeout(() => setNow(Date.now()), UPDATING_WINDOW_MS + 50);
    return () => window.clearTimeout(timer);
  }, [lastUpdateAt]);

  return { isUpdating: lastUpdateAt > 0 && now - lastUpdateAt < UPDATING_WINDOW_MS, hasSynced, isEmpty };
}

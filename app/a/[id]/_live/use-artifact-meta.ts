'use client';

import { useEffect, useState } from 'react';
import { metaOf } from '../../../../lib/artifact/doc-shape';
import type { CollabSession } from './use-collab-session';

export interface ArtifactMeta {
  title?: string;
  project?: string;
  session?: string;
  kind?: string;
}

function readMeta(map: ReturnType<typeof metaOf>): ArtifactMeta {
  const text = (key: string) => {
    const value = map.get(key);
    return typeof value === 'string' ? value : undefined;
  };
  return { title: text('title'), project: text('project'), session: text('session'), kind: text('kind') };
}

/** Title, project, session and kind as they stand in the live document (they can change while you watch). */
export function useArtifactMeta(session: CollabSession | null): ArtifactMeta {
  const [meta, setMeta] = useState<ArtifactMeta>({});
  useEffect(() => {
    if (!session) return;
    const map = metaOf(session.doc);
    const update = () => setMeta(readMeta(map));
    update();
    map.observe(update);
    return () => map.unobserve(update);
  }, [session]);
  return meta;
}

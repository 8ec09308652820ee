'use client';

import { useEffect, useState } from 'react';
import { z } from 'zod';
import { fetchJson, sendJson } from '../../../../lib/query/api-client';

const seenSchema = z.object({ lastSeen: z.number().int().nullable() });
const seenPath = (artifactId: string) => `/api/v1/artifacts/${encodeURIComponent(artifactId)}/seen`;

/** The highest version this person has seen of an artifact, kept on the server so it follows them across devices. */
export async function readSeenVersion(artifactId: string): Promise<number | null> {
  try {
    return (await fetchJson(seenPath(artifactId), seenSchema)).lastSeen;
  } catch {
    // "New" marks are a nicety: without them the timeline still works.
    return null;
  }
}

/** Records that they saw version n (the server never lowers it). */
export function rememberSeenVersion(artifactId: string, n: number): void {
  sendJson('PUT', seenPath(artifactId), { n }, seenSchema).catch(() => undefined);
}

/**
 * "New since your last visit": the highest version seen before this visit
 * (null on a first visit, when nothing is new), kept for the whole visit so
 * the marks do not vanish the moment they appear. `latest` (what this page
 * is showing now) is remembered for the next visit.
 */
export function useSeenBaseline(artifactId: string, latest: number | null): number | null {
  const [baseline, setBaseline] = useState<{ id: string; n: number | null } | null>(null);
  useEffect(() => {
    let cancelled = false;
    void readSeenVersion(artifactId).then((n) => {
      if (!cancelled) setBaseline({ id: artifactId, n });
    });
    return () => {
      cancelled = true;
    };
  }, [artifactId]);
  useEffect(() => {
    if (latest !== null && baseline?.id === artifactId) rememberSeenVersion(artifactId, latest);
  }, [artifactId, latest, baseline]);
  return baseline?.id === artifactId ? baseline.n : null;
}

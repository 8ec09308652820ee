'use client';

import { useEffect, useState } from 'react';

const PREFIX = 'loupe:versions-seen:';

export function readSeenVersion(artifactId: string): number | null {
  try {
    const value = Number(window.localStorage.getItem(PREFIX + artifactId));
    return Number.isInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

/** Remembers the highest version this reader has seen of an artifact; never goes down. */
export function rememberSeenVersion(artifactId: string, n: number): void {
  try {
    const seen = readSeenVersion(artifactId);
    if (seen === null || n > seen) window.localStorage.setItem(PREFIX + artifactId, String(n));
  } catch {
    // Storage full or disabled: "New" marks are a nicety.
  }
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
    setBaseline({ id: artifactId, n: readSeenVersion(artifactId) });
  }, [artifactId]);
  useEffect(() => {
    if (latest !== null && baseline?.id === artifactId) rememberSeenVersion(artifactId, latest);
  }, [artifactId, latest, baseline]);
  return baseline?.id === artifactId ? baseline.n : null;
}

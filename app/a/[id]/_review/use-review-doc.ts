'use client';

import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { REVIEW_DOC, type ReviewSummary, type ReviewView, type ThreadView } from '../../../../lib/review/types';
import type { CollabSession } from '../_live/use-collab-session';

export interface ReviewState {
  /** False until the review room has synced once. */
  hasSynced: boolean;
  /** Oldest first. */
  threads: ThreadView[];
  /** Oldest first. */
  reviews: ReviewView[];
  summary: ReviewSummary | null;
}

const EMPTY: ReviewState = { hasSynced: false, threads: [], reviews: [], summary: null };

function read(doc: Y.Doc, hasSynced: boolean): ReviewState {
  const threads = Array.from(doc.getMap<ThreadView>(REVIEW_DOC.threads).values()).sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
  );
  const reviews = Array.from(doc.getMap<ReviewView>(REVIEW_DOC.reviews).values()).sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
  );
  const summary = (doc.getMap<ReviewSummary>(REVIEW_DOC.summary).get('status') as ReviewSummary | undefined) ?? null;
  return { hasSynced, threads, reviews, summary };
}

/**
 * The review layer as the review room holds it: threads, reviews and the
 * summary, live. The server alone writes that document (every change is a
 * validated API call), so what is here is what everyone sees.
 */
export function useReviewDoc(session: CollabSession | null): ReviewState {
  const [state, setState] = useState<ReviewState>(EMPTY);
  useEffect(() => {
    if (!session) {
      setState(EMPTY);
      return;
    }
    const { doc, provider } = session;
    let frame = 0;
    const update = () => {
      if (frame) return;
      // Many entries change in one transaction: read once per animation frame.
      frame = requestAnimationFrame(() => {
        frame = 0;
        setState(read(doc, provider.synced));
      });
    };
    const onSync = () => update();
    update();
    doc.on('update', update);
    provider.on('sync', onSync);
    return () => {
      if (frame) cancelAnimationFrame(frame);
      doc.off('update', update);
      provider.off('sync', onSync);
    };
  }, [session]);
  return state;
}

'use client';

import { useCallback, useState } from 'react';
import type { ReviewState } from './use-review-doc';
import { ReviewDialog, type ReviewNotice } from './review-dialog';
import { StatusDialog } from './status-dialog';
import { STATUS_ICON } from './status-icon';
import { describeReviewStatus } from './status-words';
import styles from './status.module.css';

interface ReviewStatusChipProps {
  artifactId: string;
  title: string;
  /** The review room, live (useReviewDoc). */
  review: ReviewState;
  /** People with review write access may give a verdict from the dialog too. */
  canReview: boolean;
  onNotice(notice: ReviewNotice): void;
}

/**
 * Beside the title: where the review stands on the latest version (approved
 * and ready for hand-off, changes requested, n of m approvals, approvals gone
 * stale, none yet), live from the review room. A button: it opens every
 * reviewer's standing and the history of reviews.
 */
export function ReviewStatusChip({ artifactId, title, review, canReview, onNotice }: ReviewStatusChipProps) {
  const [dialog, setDialog] = useState<'status' | 'review' | null>(null);
  const close = useCallback(() => setDialog(null), []);
  const { summary, reviews } = review;
  if (!review.hasSynced || !summary) return null;

  const words = describeReviewStatus(summary, reviews.length > 0);
  const Icon = STATUS_ICON[words.tone];
  return (
    <>
      <button
        type="button"
        className={`chip ${styles.chip}`}
        data-tone={words.tone}
        title={words.hint}
        aria-haspopup="dialog"
        aria-label={`Review status: ${words.label}. ${words.hint}`}
        onClick={() => setDialog('status')}
        data-testid="review-status-chip"
      >
        <Icon size={13} />
        {/* Less room, fewer words: CSS swaps in `compact` or `short` (from the data attributes), then the icon alone. */}
        <span className={styles.chipLabel} data-compact={words.compact} data-short={words.short}>
          <span className={styles.chipFull}>{words.label}</span>
        </span>
      </button>
      {dialog === 'status' ? (
        <StatusDialog
          title={title}
          summary={summary}
          reviews={reviews}
          words={words}
          onReview={canReview ? () => setDialog('review') : undefined}
          onClose={close}
        />
      ) : null}
      {dialog === 'review' ? (
        <ReviewDialog artifactId={artifactId} title={title} latestVersion={summary.latestVersion} onClose={close} onDone={onNotice} />
      ) : null}
    </>
  );
}

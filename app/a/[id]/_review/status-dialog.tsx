'use client';

import { useId, useRef } from 'react';
import { useModalDialog } from '../../../_components/use-modal-dialog';
import type { ReviewSummary, ReviewView, Verdict } from '../../../../lib/review/types';
import { formatAbsoluteTime, formatRelativeTime, initialsOf } from '../../../../lib/ui/format';
import { useNow } from '../../../../lib/ui/use-now';
import { ApprovedIcon, ChangesIcon, MessageIcon, StaleIcon } from '../../../_components/review-icons';
import { STATUS_ICON } from './status-icon';
import { plural, reviewerStandings, verdictWords, type ReviewerStanding, type StandingKind, type StatusWords } from './status-words';
import styles from './status.module.css';

interface StatusDialogProps {
  title: string;
  summary: ReviewSummary;
  /** Oldest first, as the review room holds them. */
  reviews: readonly ReviewView[];
  words: StatusWords;
  /** Present when the viewer may review: a way on to the review dialog. */
  onReview?: () => void;
  onClose(): void;
}

const STANDING_LABEL: Record<StandingKind, (version: number) => string> = {
  changes: (v) => `Requested changes on v${v}`,
  current: (v) => `Approved v${v}`,
  stale: (v) => `Approved v${v} · stale`,
};

const VERDICT_ICON: Record<Verdict, typeof ApprovedIcon> = { approve: ApprovedIcon, request_changes: ChangesIcon, comment: MessageIcon };

/**
 * Where the review stands, in full: the state and why, each reviewer's
 * standing (current, stale or asking for changes, with what they said) and
 * every review newest first. A native modal <dialog> (focus trapped, Escape
 * closes, focus goes back to the chip), mounted only while open and live
 * while open: it reads the same review room as the chip.
 */
export function StatusDialog({ title, summary, reviews, words, onReview, onClose }: StatusDialogProps) {
  const closeRef = useRef<HTMLButtonElement>(null);
  // Unmounted by the parent (e.g. on to the review dialog): closed without onClose.
  const dialogRef = useModalDialog(onClose, closeRef);
  const ids = { title: useId(), reviewers: useId(), history: useId() };
  const now = useNow();
  const standings = reviewerStandings(summary, reviews);
  const history = [...reviews].reverse();
  const Icon = STATUS_ICON[words.tone];
  const facts = [
    summary.latestVersion === null ? 'No version yet' : `Latest version v${summary.latestVersion}`,
    summary.requiredApprovals === 0 ? 'No approvals required' : `${plural(summary.requiredApprovals, 'approval', 'approvals')} required`,
    plural(summary.openThreads, 'open thread', 'open threads'),
  ];

  return (
    <dialog
      ref={dialogRef}
      className={styles.dialog}
      aria-labelledby={ids.title}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (event.target === event.currentTarget) event.currentTarget.close();
      }}
      data-testid="review-status-dialog"
    >
      <div className={styles.dialogBody}>
        <div className={styles.head}>
          <h2 id={ids.title}>Review status</h2>
          <p className={styles.subject} title={title}>
            {title}
          </p>
        </div>

        <div className={styles.state} data-tone={words.tone}>
          <Icon size={20} className={styles.stateIcon} />
          <div>
            <p className={styles.stateLabel}>{words.label}</p>
            <p className={styles.stateHint}>{words.hint}</p>
          </div>
        </div>
        <p className={styles.facts}>{facts.join(' · ')}</p>

        <section aria-labelledby={ids.reviewers} className={styles.section}>
          <h3 id={ids.reviewers} className={styles.sectionTitle}>
            Reviewers
          </h3>
          {standings.length === 0 ? (
            <p className={styles.empty}>No one has approved or requested changes yet.</p>
          ) : (
            <ul className={styles.list}>
              {standings.map((standing) => (
                <StandingRow key={`${standing.reviewer.kind}:${standing.reviewer.id}`} standing={standing} now={now} />
              ))}
            </ul>
          )}
        </section>

        <section aria-labelledby={ids.history} className={styles.section}>
          <h3 id={ids.history} className={styles.sectionTitle}>
            History
          </h3>
          {history.length === 0 ? (
            <p className={styles.empty}>No reviews yet.</p>
          ) : (
            <ol className={styles.list}>
              {history.map((review) => {
                const VerdictIcon = VERDICT_ICON[review.verdict];
                return (
                  <li key={review.id} className={styles.historyRow} data-verdict={review.verdict} data-testid="review-history-entry">
                    <VerdictIcon size={16} className={styles.historyIcon} />
                    <div className={styles.rowText}>
                      <p className={styles.rowLine}>
                        <strong>{review.reviewer.name}</strong> {verdictWords(review.verdict, review.version)}
                        <time dateTime={review.createdAt} title={formatAbsoluteTime(review.createdAt)} className={styles.time}>
                          {formatRelativeTime(review.createdAt, now)}
                        </time>
                      </p>
                      {review.summary ? <p className={styles.said}>{review.summary}</p> : null}
                    </div>
                  </li>
                );
              })}
            </ol>
          )}
        </section>
      </div>

      <div className={styles.actions}>
        {onReview ? (
          <button type="button" className="button" onClick={onReview}>
            Review…
          </button>
        ) : null}
        <button ref={closeRef} type="button" className="button button-primary" onClick={() => dialogRef.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}

function StandingRow({ standing, now }: { standing: ReviewerStanding; now: number }) {
  const KindIcon = standing.kind === 'changes' ? ChangesIcon : standing.kind === 'stale' ? StaleIcon : ApprovedIcon;
  return (
    <li className={styles.standing} data-kind={standing.kind} data-testid="reviewer-standing">
      <span className={styles.avatar} aria-hidden="true">
        {initialsOf(standing.reviewer.name)}
      </span>
      <div className={styles.rowText}>
        <p className={styles.rowLine}>
          <strong className={styles.name}>{standing.reviewer.name}</strong>
          <span className={styles.badge} data-kind={standing.kind}>
            <KindIcon size={12} />
            {STANDING_LABEL[standing.kind](standing.version)}
          </span>
          <time dateTime={standing.at} title={formatAbsoluteTime(standing.at)} className={styles.time}>
            {formatRelativeTime(standing.at, now)}
          </time>
        </p>
        {standing.kind === 'stale' ? <p className={styles.note}>Given on an earlier version; the page changed since.</p> : null}
        {standing.summary ? <p className={styles.said}>{standing.summary}</p> : null}
      </div>
    </li>
  );
}

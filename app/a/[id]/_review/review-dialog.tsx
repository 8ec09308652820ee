'use client';

import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useModalDialog } from '../../../_components/use-modal-dialog';
import { reviewInputProblem, submitReviewMutationOptions } from '../../../../lib/query/reviews';
import { REVIEW_LIMITS, type Verdict } from '../../../../lib/review/types';
import { BusyLabel } from '../../../_components/busy-label';
import { Field } from '../../../_components/field';
import { FormError } from '../../../_components/form-error';
import { ApprovedIcon, ChangesIcon, MessageIcon } from '../../../_components/review-icons';
import { verdictWords } from './status-words';
import styles from './review-dialog.module.css';

/** What the live view announces (or shows, for errors): the same shape as its governance notices. */
export interface ReviewNotice {
  tone: 'success' | 'error';
  text: string;
}

const CHOICES: ReadonlyArray<{ verdict: Verdict; title: string; text: string; Icon: typeof ApprovedIcon }> = [
  { verdict: 'approve', title: 'Approve', text: 'Good to hand off as it stands.', Icon: ApprovedIcon },
  { verdict: 'request_changes', title: 'Request changes', text: 'Something must change first. Hand-off waits until you approve.', Icon: ChangesIcon },
  { verdict: 'comment', title: 'Comment', text: 'Feedback on this version, without a verdict.', Icon: MessageIcon },
];

const SUBMIT_LABEL: Record<Verdict, string> = { approve: 'Approve', request_changes: 'Request changes', comment: 'Post comment' };

/** Summaries past this many characters show a countdown to the limit. */
const COUNT_FROM_CHARS = REVIEW_LIMITS.summaryChars - 500;

function useReviewForm(artifactId: string) {
  const submit = useMutation(submitReviewMutationOptions(artifactId));
  const [verdict, setVerdict] = useState<Verdict>('approve');
  const [summary, setSummary] = useState('');
  const [showProblem, setShowProblem] = useState(false);
  const problem = reviewInputProblem({ verdict, summary });
  return { submit, verdict, setVerdict, summary, setSummary, problem, showProblem, setShowProblem };
}

interface ReviewDialogProps {
  artifactId: string;
  title: string;
  /** The latest version as the page stands (review room summary or content meta); null before the first. */
  latestVersion: number | null;
  onClose(): void;
  onDone(notice: ReviewNotice): void;
}

/**
 * A verdict on the page as it stands. A plain comment needs words, as does a
 * request for changes (the server insists on that one); an approval may go
 * without. A native modal <dialog>: focus is trapped, Escape closes it (not
 * while sending), and focus goes back to whatever opened it. Mounted only
 * while open, so each opening starts blank.
 */
export function ReviewDialog({ artifactId, title, latestVersion, onClose, onDone }: ReviewDialogProps) {
  const firstRef = useRef<HTMLInputElement>(null);
  const summaryRef = useRef<HTMLTextAreaElement>(null);
  const ids = { title: useId(), count: useId() };
  const form = useReviewForm(artifactId);
  const { submit } = form;
  const pendingRef = useRef(false);
  useEffect(() => {
    pendingRef.current = submit.isPending;
  }, [submit.isPending]);

  // Escape while sending would hide the outcome.
  const dialogRef = useModalDialog(onClose, firstRef, pendingRef);

  const needsSummary = form.verdict !== 'approve';
  const problemShown = form.showProblem && form.problem !== null;
  const length = form.summary.trim().length;

  const send = (event: FormEvent) => {
    event.preventDefault();
    if (form.problem) {
      form.setShowProblem(true);
      summaryRef.current?.focus();
      return;
    }
    submit.mutate(
      { verdict: form.verdict, summary: form.summary },
      {
        onSuccess: ({ review }) => {
          onDone({ tone: 'success', text: `Review sent: you ${verdictWords(review.verdict, review.version)}.` });
          dialogRef.current?.close();
        },
      },
    );
  };

  return (
    <dialog
      ref={dialogRef}
      className={styles.dialog}
      aria-labelledby={ids.title}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> itself (the form fills it).
        if (event.target === event.currentTarget && !submit.isPending) event.currentTarget.close();
      }}
      data-testid="review-dialog"
    >
      <form className={styles.form} onSubmit={send} noValidate>
        <div className={styles.head}>
          <h2 id={ids.title}>Review this page</h2>
          <p className={styles.subject} title={title}>
            {title}
          </p>
        </div>

        <fieldset className={styles.choices} disabled={submit.isPending}>
          <legend className={styles.legend}>Your verdict</legend>
          {CHOICES.map(({ verdict, title: choiceTitle, text, Icon }) => (
            <label key={verdict} className={styles.choice} data-verdict={verdict}>
              <input
                ref={verdict === form.verdict ? firstRef : undefined}
                type="radio"
                name="verdict"
                value={verdict}
                checked={form.verdict === verdict}
                onChange={() => {
                  form.setVerdict(verdict);
                  form.setShowProblem(false);
                  submit.reset();
                }}
              />
              <span className={styles.choiceIcon} aria-hidden="true">
                <Icon size={16} />
              </span>
              <span>
                <span className={styles.choiceTitle}>{choiceTitle}</span>
                <span className={styles.choiceHint}>{text}</span>
              </span>
            </label>
          ))}
        </fieldset>

        <Field
          label={
            <>
              {form.verdict === 'comment' ? 'Comment' : 'Summary'}{' '}
              <span className={styles.labelNote}>{needsSummary ? '(required)' : '(optional)'}</span>
            </>
          }
          error={problemShown ? form.problem : undefined}
          describedBy={length >= COUNT_FROM_CHARS ? ids.count : undefined}
          after={
            length >= COUNT_FROM_CHARS ? (
              <p id={ids.count} className={styles.count} aria-live="polite">
                {(REVIEW_LIMITS.summaryChars - length).toLocaleString('en')} characters left
              </p>
            ) : null
          }
        >
          {(control) => (
            <textarea
              {...control}
              ref={summaryRef}
              className={`input ${styles.textarea}`}
              rows={4}
              value={form.summary}
              onChange={(event) => {
                form.setSummary(event.target.value);
                submit.reset();
              }}
              maxLength={REVIEW_LIMITS.summaryChars}
              disabled={submit.isPending}
              required={needsSummary}
              placeholder={
                form.verdict === 'request_changes'
                  ? 'What needs to change before this can be handed off?'
                  : form.verdict === 'comment'
                    ? 'What do you think of this version?'
                    : 'Anything the agent or the team should know (optional).'
              }
            />
          )}
        </Field>

        <p className={styles.note} data-testid="review-version-note">
          {latestVersion === null
            ? 'Your review applies to the page as it stands; it will be saved as its first version.'
            : `Your review applies to v${latestVersion}, the page as it stands now. If the page changes after it, an approval goes stale.`}
        </p>

        {submit.isError ? <FormError>{`Couldn’t send your review: ${submit.error.message}`}</FormError> : null}

        <div className={styles.actions}>
          <button type="button" className="button button-ghost" onClick={() => dialogRef.current?.close()} disabled={submit.isPending}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={submit.isPending} aria-busy={submit.isPending}>
            <BusyLabel busy={submit.isPending} pending="Sending…">
              {SUBMIT_LABEL[form.verdict]}
            </BusyLabel>
          </button>
        </div>
      </form>
    </dialog>
  );
}

/**
 * The header's "Review" button (people who may review only: the caller
 * decides). The caller mounts the ReviewDialog, so the header's "More" menu
 * on narrow screens can open the same one.
 */
export function ReviewButton({ onOpen }: { onOpen(): void }) {
  return (
    <button
      type="button"
      className={`button ${styles.reviewButton}`}
      onClick={onOpen}
      aria-haspopup="dialog"
      title="Approve, request changes or comment on this version"
      data-testid="review-button"
    >
      <ApprovedIcon size={15} />
      <span className={styles.reviewLabel}>Review</span>
    </button>
  );
}

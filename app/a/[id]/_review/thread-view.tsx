'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useRef, useState, type MouseEvent } from 'react';
import {
  commentHistoryQueryOptions,
  deleteCommentMutationOptions,
  editCommentMutationOptions,
  replyMutationOptions,
  threadStatusMutationOptions,
} from '../../../../lib/query/review';
import { relativeTime } from '../../../../lib/query/versions';
import type { CommentBody } from '../../../../lib/review/body';
import type { AnchorState, CommentView, MentionableView, ReviewActor, ThreadView } from '../../../../lib/review/types';
import { anchorName, quoteAddsToName } from '../../../../lib/review/describe';
import { ConfirmDialog } from '../../../_components/confirm-dialog';
import { CommentBodyView } from './comment-body';
import { Composer } from './composer';
import { ReactionList, ReactionPicker, useCommentReactions } from './reactions';
import styles from './review-panel.module.css';

export interface ThreadCardProps {
  artifactId: string;
  thread: ThreadView;
  /** The label on its pin and card. */
  number: number;
  /** Its anchor's state on the page as it is (absent for whole-page threads, or before the first resolution). */
  anchorState: AnchorState | undefined;
  viewerId: string | null;
  canWrite: boolean;
  isActive: boolean;
  mentionables: MentionableView[];
  now: number;
  /** The card was chosen: mark it active and show its pin. */
  onActivate(threadId: string): void;
}

/**
 * One thread: what it is pinned to (or "Whole page"), how that stands on the
 * page now, the conversation, and what can be done next (reply, resolve or
 * reopen, confirm the agent's "addressed"). Clicking the card shows its pin.
 */
export function ThreadCard({ artifactId, thread, number, anchorState, viewerId, canWrite, isActive, mentionables, now, onActivate }: ThreadCardProps) {
  const headingId = useId();
  const [isReplying, setReplying] = useState(false);
  const reply = useMutation(replyMutationOptions(artifactId, thread.id));
  const status = useMutation(threadStatusMutationOptions(artifactId, thread.id));
  const cardRef = useRef<HTMLElement>(null);
  // Resolving or reopening moves the thread to the other list: keep keyboard focus in this one.
  // The review room often removes this card before the API answers, and a mutate() callback
  // never fires once its component has unmounted: the promise always settles.
  const setStatus = (next: 'open' | 'resolved') => {
    const focusNext = neighbourFocuser(cardRef.current);
    status.mutateAsync(next).then(focusNext, () => {});
  };
  const isPinned = thread.anchor !== null && anchorState !== 'outdated';
  const first = thread.comments[0];

  const onCardClick = (event: MouseEvent<HTMLElement>) => {
    // Buttons, links, fields and the editors inside the card do their own thing.
    if ((event.target as HTMLElement).closest('button, a, input, textarea, [contenteditable="true"], [role="menu"]')) return;
    onActivate(thread.id);
  };

  return (
    <article
      ref={cardRef}
      className={styles.thread}
      aria-labelledby={headingId}
      data-testid="thread-card"
      data-thread-id={thread.id}
      data-active={isActive || undefined}
      data-status={thread.status}
      data-anchor-state={anchorState}
      tabIndex={-1}
      onClick={onCardClick}
    >
      <div className={styles.threadHead}>
        <button
          type="button"
          className={styles.pinLabel}
          data-pinned={isPinned || undefined}
          aria-label={isPinned ? `Show thread ${number} on the page` : `Select thread ${number}`}
          aria-pressed={isActive}
          title={isPinned ? 'Show on the page' : undefined}
          onClick={() => onActivate(thread.id)}
        >
          {number}
        </button>
        <div className={styles.threadTitle}>
          <h3 id={headingId} className="visually-hidden">
            Thread {number}
            {first ? ` by ${actorName(first.author)}` : ''}
          </h3>
          <AnchorQuote thread={thread} anchorState={anchorState} />
          <p className={styles.threadMeta}>
            <AnchorStateBadge state={anchorState} />
            {thread.status === 'resolved' ? (
              <span className={`chip ${styles.badgeResolved}`}>
                Resolved{thread.resolved ? ` by ${actorName(thread.resolved.by)}` : ''}
              </span>
            ) : null}
            {thread.version !== null ? (
              <span className={styles.version} title={`Written when the page was at version ${thread.version}`}>
                on v{thread.version}
              </span>
            ) : null}
          </p>
        </div>
      </div>

      <ol className={styles.comments} aria-label="Comments">
        {thread.comments.map((comment) => (
          <CommentItem
            key={comment.id}
            artifactId={artifactId}
            comment={comment}
            isOnly={thread.comments.length === 1}
            leavingFocuser={() => neighbourFocuser(cardRef.current)}
            viewerId={viewerId}
            canWrite={canWrite}
            mentionables={mentionables}
            now={now}
          />
        ))}
      </ol>

      {thread.addressed ? (
        <div className={styles.addressed} data-testid="addressed">
          <p className={styles.addressedTitle}>
            <CheckCircleIcon />
            <span>
              Addressed in v{thread.addressed.version} by {actorName(thread.addressed.by)}
            </span>
          </p>
          {thread.addressed.note ? <p className={styles.addressedNote}>{thread.addressed.note}</p> : null}
          {thread.status === 'open' && canWrite ? (
            <p className={styles.addressedAction}>
              <span>Check the change, then</span>
              <button type="button" className={`button ${styles.smallButton}`} disabled={status.isPending} onClick={() => setStatus('resolved')}>
                Resolve
              </button>
            </p>
          ) : null}
        </div>
      ) : null}

      {canWrite ? (
        <div className={styles.threadFoot}>
          {isReplying ? (
            <div className={styles.replyBox}>
              <Composer
                mentionables={mentionables}
                placeholder="Reply…"
                submitLabel="Reply"
                ariaLabel={`Reply to thread ${number}`}
                autoFocus
                testId="reply-composer"
                onSubmit={async (body: CommentBody) => {
                  await reply.mutateAsync(body);
                  setReplying(false);
                }}
                onCancel={() => setReplying(false)}
              />
            </div>
          ) : (
            <div className={styles.footActions}>
              {thread.status === 'open' ? (
                <button type="button" className={styles.replyPrompt} onClick={() => setReplying(true)} aria-label={`Reply to thread ${number}`}>
                  Reply…
                </button>
              ) : (
                <span className={styles.footSpacer} />
              )}
              <button
                type="button"
                className={`button button-ghost ${styles.smallButton}`}
                disabled={status.isPending}
                onClick={() => setStatus(thread.status === 'open' ? 'resolved' : 'open')}
                aria-label={`${thread.status === 'open' ? 'Resolve' : 'Reopen'} thread ${number}`}
              >
                {thread.status === 'open' ? <CheckIcon /> : <ReopenIcon />}
                {thread.status === 'open' ? 'Resolve' : 'Reopen'}
              </button>
            </div>
          )}
          {status.isError ? (
            <p className={styles.inlineError} role="alert">
              Couldn’t {status.variables === 'resolved' ? 'resolve' : 'reopen'} the thread: {status.error.message}
            </p>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}

/** What the thread is about: what was picked, in words ("chart in Impact"), and its text or the selection (kept when outdated); or the page as a whole. */
function AnchorQuote({ thread, anchorState }: { thread: ThreadView; anchorState: AnchorState | undefined }) {
  const { anchor } = thread;
  if (!anchor) return <p className={styles.wholePage}>Whole page</p>;
  const quote = anchor.quote.trim();
  return (
    <blockquote className={styles.quote} data-kind={anchor.kind} data-outdated={anchorState === 'outdated' || undefined}>
      {anchor.kind === 'element' ? <span className={styles.quoteName} data-testid="anchor-name">{anchorName(anchor)}</span> : null}
      {anchor.kind === 'text' || quoteAddsToName(anchor) ? <span className={styles.quoteText}>{quote}</span> : null}
    </blockquote>
  );
}

export function AnchorStateBadge({ state }: { state: AnchorState | undefined }) {
  if (state === 'changed') {
    return (
      <span className={`chip ${styles.badgeChanged}`} title="What this comment was pinned to has changed since it was written">
        Changed since this comment
      </span>
    );
  }
  if (state === 'outdated') {
    return (
      <span className={`chip ${styles.badgeOutdated}`} title="What this comment was pinned to is no longer on the page">
        Outdated
      </span>
    );
  }
  return null;
}

interface CommentItemProps {
  artifactId: string;
  comment: CommentView;
  /** The thread's only comment: deleting it deletes the thread. */
  isOnly: boolean;
  /** Called as a deletion starts: returns what moves focus on once the thread is gone. */
  leavingFocuser(): () => void;
  viewerId: string | null;
  canWrite: boolean;
  mentionables: MentionableView[];
  now: number;
}

function CommentItem({ artifactId, comment, isOnly, leavingFocuser, viewerId, canWrite, mentionables, now }: CommentItemProps) {
  const [isEditing, setEditing] = useState(false);
  const [isConfirmingDelete, setConfirmingDelete] = useState(false);
  const [isHistoryOpen, setHistoryOpen] = useState(false);
  const edit = useMutation(editCommentMutationOptions(artifactId, comment.id));
  const remove = useMutation(deleteCommentMutationOptions(artifactId, comment.id));
  const isOwn = canWrite && viewerId !== null && comment.author.kind === 'user' && comment.author.id === viewerId;
  const historyId = useId();
  const reactions = useCommentReactions(artifactId, comment.id, comment.reactions, viewerId);

  if (comment.deleted) {
    return (
      <li className={styles.comment} data-testid="comment" data-deleted="true">
        <p className={styles.tombstone}>This comment was deleted.</p>
      </li>
    );
  }

  return (
    <li className={styles.comment} data-testid="comment" data-comment-id={comment.id}>
      <div className={styles.commentHead}>
        <Avatar actor={comment.author} />
        <span className={styles.author}>{actorName(comment.author)}</span>
        {comment.author.kind === 'agent' ? <span className={`chip ${styles.agentChip}`}>Agent</span> : null}
        <time className={styles.time} dateTime={comment.createdAt} title={new Date(comment.createdAt).toLocaleString()}>
          {relativeTime(comment.createdAt, now)}
        </time>
        {comment.editedAt ? (
          <button
            type="button"
            className={styles.edited}
            aria-expanded={isHistoryOpen}
            aria-controls={isHistoryOpen ? historyId : undefined}
            title={`Edited ${new Date(comment.editedAt).toLocaleString()}. Show earlier versions`}
            onClick={() => setHistoryOpen((open) => !open)}
          >
            edited
          </button>
        ) : null}
        {canWrite && !isEditing ? (
          <span className={styles.commentActions}>
            <ReactionPicker mine={reactions.mine} disabled={reactions.isPending} onPick={reactions.toggle} />
            {isOwn ? (
              <>
                <button type="button" className={styles.textAction} onClick={() => setEditing(true)} aria-label="Edit your comment">
                  Edit
                </button>
                <button type="button" className={styles.textAction} onClick={() => setConfirmingDelete(true)} aria-label="Delete your comment">
                  Delete
                </button>
              </>
            ) : null}
          </span>
        ) : null}
      </div>
      {isEditing ? (
        <div className={styles.editBox}>
          <Composer
            mentionables={mentionables}
            initialBody={comment.body}
            placeholder="Edit your comment…"
            submitLabel="Save"
            ariaLabel="Edit your comment"
            autoFocus
            testId="edit-composer"
            onSubmit={async (body: CommentBody) => {
              await edit.mutateAsync(body);
              setEditing(false);
            }}
            onCancel={() => setEditing(false)}
          />
        </div>
      ) : (
        <CommentBodyView body={comment.body} viewerId={viewerId} />
      )}
      {isHistoryOpen ? <CommentHistory id={historyId} artifactId={artifactId} comment={comment} now={now} viewerId={viewerId} /> : null}
      <ReactionList reactions={comment.reactions} viewerId={viewerId} canWrite={canWrite} disabled={reactions.isPending} onToggle={reactions.toggle} />
      {reactions.error ? (
        <p className={styles.inlineError} role="alert">
          Couldn’t react: {reactions.error.message}
        </p>
      ) : null}
      <ConfirmDialog
        open={isConfirmingDelete}
        title={isOnly ? 'Delete this thread?' : 'Delete your comment?'}
        confirmLabel="Delete"
        pendingLabel="Deleting…"
        destructive
        pending={remove.isPending}
        error={remove.error ? `Couldn’t delete: ${remove.error.message}` : null}
        onConfirm={() => {
          const focusNext = leavingFocuser();
          // A promise, not a mutate() callback: the card may unmount (the room drops the thread) before the answer.
          remove.mutateAsync(undefined).then(
            (result) => {
              setConfirmingDelete(false);
              // After the dialog has closed and handed focus back to its opener.
              if (result.threadDeleted) requestAnimationFrame(focusNext);
            },
            () => {},
          );
        }}
        onClose={() => {
          if (remove.isPending) return;
          setConfirmingDelete(false);
          remove.reset();
        }}
      >
        <p>
          {isOnly
            ? 'It is the thread’s only comment, so the thread goes with it, for everyone.'
            : 'Everyone will see that a comment was deleted here, but not what it said.'}
        </p>
      </ConfirmDialog>
    </li>
  );
}

/** A comment's earlier bodies, newest first (the current one is shown above). */
function CommentHistory({ id, artifactId, comment, now, viewerId }: { id: string; artifactId: string; comment: CommentView; now: number; viewerId: string | null }) {
  const history = useQuery(commentHistoryQueryOptions(artifactId, comment.id, comment.edits));
  return (
    <div id={id} className={styles.history} data-testid="comment-history">
      <p className={styles.historyTitle}>Earlier versions</p>
      {history.isPending ? (
        <p className={styles.historyEmpty}>
          <span className="spinner" aria-hidden="true" /> Loading…
        </p>
      ) : history.isError ? (
        <p className={styles.inlineError} role="alert">
          Couldn’t load the history: {history.error.message}
        </p>
      ) : history.data.revisions.length === 0 ? (
        <p className={styles.historyEmpty}>No earlier versions.</p>
      ) : (
        <ol className={styles.historyList}>
          {[...history.data.revisions].reverse().map((revision) => (
            <li key={revision.n}>
              <p className={styles.historyMeta}>
                Version {revision.n}, replaced{' '}
                <time dateTime={revision.replacedAt} title={new Date(revision.replacedAt).toLocaleString()}>
                  {relativeTime(revision.replacedAt, now)}
                </time>
              </p>
              <CommentBodyView body={revision.body} viewerId={viewerId} />
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/**
 * A card is about to leave the list (resolved, reopened, deleted). Picks,
 * now, where keyboard focus should go once it has: the next card, else the
 * previous one, else the panel's first control, so a keyboard user is not
 * dropped at the top of the page. Does nothing if focus was elsewhere.
 */
function neighbourFocuser(card: HTMLElement | null): () => void {
  if (!card || !card.contains(document.activeElement)) return () => {};
  const item = card.closest('li');
  const neighbour = item?.nextElementSibling ?? item?.previousElementSibling;
  const target = neighbour?.querySelector<HTMLElement>('[data-testid="thread-card"]') ?? card.closest('[role="tabpanel"]')?.querySelector<HTMLElement>('button');
  return () => target?.focus();
}

export function actorName(actor: ReviewActor): string {
  return actor.name || (actor.kind === 'agent' ? 'The agent' : 'Someone');
}

function Avatar({ actor }: { actor: ReviewActor }) {
  const initial = actorName(actor).trim().charAt(0).toUpperCase() || '?';
  return (
    <span className={styles.avatar} data-kind={actor.kind} aria-hidden="true">
      {actor.kind === 'agent' ? <SparkIcon /> : initial}
    </span>
  );
}

function CheckIcon() {
  return (
    <svg width={15} height={15} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2.2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M5 12.5l4.5 4.5L19 7.5" />
    </svg>
  );
}

function CheckCircleIcon() {
  return (
    <svg width={16} height={16} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <circle cx="12" cy="12" r="9" />
      <path d="M8 12.5l2.8 2.8L16.5 9.5" />
    </svg>
  );
}

function ReopenIcon() {
  return (
    <svg width={15} height={15} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M3 12a9 9 0 1 0 3-6.7L3 8" />
      <path d="M3 3v5h5" />
    </svg>
  );
}

function SparkIcon() {
  return (
    <svg width={13} height={13} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2.2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M12 3v4M12 17v4M3 12h4M17 12h4M6 6l2.5 2.5M15.5 15.5L18 18M6 18l2.5-2.5M15.5 8.5L18 6" />
    </svg>
  );
}

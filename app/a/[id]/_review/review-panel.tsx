'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { mentionablesQueryOptions } from '../../../../lib/query/review';
import type { CommentBody } from '../../../../lib/review/body';
import { anchorName, quoteAddsToName } from '../../../../lib/review/describe';
import { CountToggle } from '../../../_components/count-toggle';
import { Composer } from './composer';
import { ThreadList, FilterChips } from './thread-list';
import { DEFAULT_FILTER } from './thread-filters';
import type { ReviewPanelController, ThreadDraft } from './use-review-panel';
import styles from './review-panel.module.css';

export type ReviewTab = 'threads' | 'notes';

/** The header's toggle for the panel: "Comments", with how many threads are open. */
export function ReviewPanelToggle({ open, openCount, controls, onToggle }: { open: boolean; openCount: number; controls: string; onToggle(): void }) {
  return (
    <CountToggle
      open={open}
      controls={controls}
      onToggle={onToggle}
      icon={<CommentIcon />}
      label="Comments"
      compactLabel
      count={openCount}
      countLabel={`, ${openCount} open ${openCount === 1 ? 'thread' : 'threads'}`}
      showZero
      testId="comments-toggle"
      countTestId="open-thread-count"
    />
  );
}

interface ReviewPanelProps {
  id: string;
  artifactId: string;
  review: ReviewPanelController;
  viewerId: string | null;
  canWrite: boolean;
  /** The Notes tab's content (the shared notes editor). */
  notes: ReactNode;
  /** Move focus into the panel when it opens (the reader opened it; not when it opens by itself on load). */
  focusOnOpen: boolean;
  onClose(): void;
}

/**
 * The review side panel: Threads (filters, new comments, every thread with
 * its conversation) and Notes. Beside the page on wide screens, a sheet on
 * narrow ones (CSS decides). Escape closes it, unless something inside (a
 * composer, a menu) used the key first.
 */
export function ReviewPanel({ id, artifactId, review, viewerId, canWrite, notes, focusOnOpen, onClose }: ReviewPanelProps) {
  const [tab, setTab] = useState<ReviewTab>('threads');
  // The notes editor joins its own room: mount it on first visit, then keep it (switching back is instant).
  const [hasVisitedNotes, setVisitedNotes] = useState(false);
  useEffect(() => {
    if (tab === 'notes') setVisitedNotes(true);
  }, [tab]);
  const headingId = useId();
  const threadsTabId = useId();
  const notesTabId = useId();
  const tabIds: Record<ReviewTab, string> = { threads: threadsTabId, notes: notesTabId };
  const scrollerRef = useRef<HTMLDivElement>(null);
  const mentionables = useQuery({ ...mentionablesQueryOptions(artifactId), enabled: canWrite });
  const { threads, visibleThreads, numbers, states, filter, setFilter, activeThreadId, activateThread, draft } = review;

  useEffect(() => {
    // The panel mounts on opening, on the Threads tab.
    if (focusOnOpen) document.getElementById(threadsTabId)?.focus();
  }, [focusOnOpen, threadsTabId]);

  // A pin clicked in the page, or a new thread: bring its card into view on the Threads tab. A
  // thread just created may reach the room a moment after its POST answers: wait for its card.
  const { revealRequest, clearReveal } = review;
  useEffect(() => {
    if (!revealRequest) return;
    if (tab !== 'threads') {
      setTab('threads');
      return;
    }
    const frame = requestAnimationFrame(() => {
      const card = scrollerRef.current?.querySelector<HTMLElement>(`[data-thread-id="${CSS.escape(revealRequest.threadId)}"]`);
      if (!card) return;
      card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      if (revealRequest.focus) card.focus({ preventScroll: true });
      clearReveal();
    });
    return () => cancelAnimationFrame(frame);
  }, [revealRequest, clearReveal, visibleThreads, tab]);

  // A new draft always shows on the Threads tab.
  useEffect(() => {
    if (draft) setTab('threads');
  }, [draft]);

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    // A modal dialog (delete confirmation) handles its own Escape.
    if ((event.target as HTMLElement).closest('dialog')) return;
    event.stopPropagation();
    // Escape leaves pick mode first; the next one closes the panel.
    if (review.isPicking) review.cancelPick();
    else onClose();
  };

  const onTabKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const next: ReviewTab = tab === 'threads' ? 'notes' : 'threads';
    setTab(next);
    document.getElementById(tabIds[next])?.focus();
  };

  const { openCount } = review;

  // On narrow screens the panel is a sheet over the page: it steps aside while the reader picks.
  const isPicking = review.isPicking || undefined;
  return (
    <>
    <div className={styles.scrim} onClick={onClose} aria-hidden="true" data-picking={isPicking} />
    <aside id={id} className={styles.panel} aria-labelledby={headingId} data-testid="review-panel" data-picking={isPicking} onKeyDown={onKeyDown}>
      <div className={styles.head}>
        <h2 id={headingId} className="visually-hidden">
          Comments and notes
        </h2>
        <div className={styles.tabs} role="tablist" aria-labelledby={headingId}>
          <button
            id={tabIds.threads}
            type="button"
            role="tab"
            className={styles.tab}
            aria-selected={tab === 'threads'}
            aria-controls={`${id}-threads`}
            tabIndex={tab === 'threads' ? 0 : -1}
            onClick={() => setTab('threads')}
            onKeyDown={onTabKeyDown}
          >
            Threads <span className={styles.count}>{openCount}</span>
          </button>
          <button
            id={tabIds.notes}
            type="button"
            role="tab"
            className={styles.tab}
            aria-selected={tab === 'notes'}
            aria-controls={`${id}-notes`}
            tabIndex={tab === 'notes' ? 0 : -1}
            onClick={() => setTab('notes')}
            onKeyDown={onTabKeyDown}
          >
            Notes
          </button>
        </div>
        <button type="button" className={`icon-button ${styles.close}`} onClick={onClose} aria-label="Close comments" title="Close comments (Esc)">
          <svg width={18} height={18} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" aria-hidden="true" focusable="false">
            <path d="M6 6l12 12M18 6L6 18" />
          </svg>
        </button>
      </div>

      <div id={`${id}-threads`} role="tabpanel" aria-labelledby={tabIds.threads} className={styles.tabPanel} hidden={tab !== 'threads'}>
        <div className={styles.scroller} ref={scrollerRef}>
          {canWrite ? (
            <NewThreadActions review={review} />
          ) : (
            <p className={styles.readOnly}>You can read the comments. Viewers can’t comment, reply or react.</p>
          )}
          {draft && canWrite ? (
            <DraftComposer
              draft={draft}
              mentionables={mentionables.data ?? []}
              onSubmit={review.submitDraft}
              onCancel={review.cancelDraft}
            />
          ) : null}
          {!review.hasSynced ? (
            <p className={styles.loading}>
              <span className="spinner" aria-hidden="true" /> Loading threads…
            </p>
          ) : (
            <>
              {review.linkedThread.missing ? (
                <div className={`alert alert-warning ${styles.linkNotice}`} role="status" data-testid="linked-thread-missing">
                  <span>The thread you followed a link to has been deleted.</span>
                  <button type="button" className={`icon-button ${styles.linkNoticeClose}`} onClick={review.linkedThread.dismiss} aria-label="Dismiss">
                    <svg width={14} height={14} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" aria-hidden="true" focusable="false">
                      <path d="M6 6l12 12M18 6L6 18" />
                    </svg>
                  </button>
                </div>
              ) : null}
              <FilterChips threads={threads} filter={filter} states={states} viewerId={viewerId} onChange={setFilter} />
              <ThreadList
                artifactId={artifactId}
                threads={visibleThreads}
                numbers={numbers}
                filter={filter}
                states={states}
                viewerId={viewerId}
                canWrite={canWrite}
                activeThreadId={activeThreadId}
                mentionables={mentionables.data ?? []}
                onActivate={activateThread}
                onClearFilters={() => setFilter({ ...DEFAULT_FILTER, status: filter.status })}
              />
            </>
          )}
        </div>
      </div>
      <div id={`${id}-notes`} role="tabpanel" aria-labelledby={tabIds.notes} className={styles.tabPanel} hidden={tab !== 'notes'}>
        {tab === 'notes' || hasVisitedNotes ? notes : null}
      </div>
    </aside>
    </>
  );
}

function NewThreadActions({ review }: { review: ReviewPanelController }) {
  return (
    <div className={styles.newActions}>
      <button type="button" className={`button ${styles.newButton}`} onClick={review.startPageComment} data-testid="comment-on-page">
        Comment on the page
      </button>
      <button
        type="button"
        className={`button ${styles.newButton}`}
        aria-pressed={review.isPicking}
        aria-keyshortcuts="C"
        title="Pick something on the page to pin a comment to (C)"
        onClick={review.isPicking ? review.cancelPick : review.startPick}
        data-testid="add-pin"
      >
        <PinIcon />
        {review.isPicking ? 'Picking…' : 'Add a pin'}
        <kbd className={styles.kbd} aria-hidden="true">
          C
        </kbd>
      </button>
    </div>
  );
}

interface DraftComposerProps {
  draft: ThreadDraft;
  mentionables: Parameters<typeof Composer>[0]['mentionables'];
  onSubmit(body: CommentBody): Promise<void>;
  onCancel(): void;
}

/** A new thread being written: what it will be pinned to, and the composer. */
function DraftComposer({ draft, mentionables, onSubmit, onCancel }: DraftComposerProps) {
  const sectionRef = useRef<HTMLElement>(null);
  const isFirstRef = useRef(true);
  // Re-targeted (something else picked while writing): back to the text, which is kept.
  useEffect(() => {
    if (isFirstRef.current) {
      isFirstRef.current = false;
      return;
    }
    sectionRef.current?.querySelector<HTMLElement>('[contenteditable="true"]')?.focus();
  }, [draft]);
  return (
    <section ref={sectionRef} className={styles.draft} aria-label="New comment" data-testid="new-thread">
      <p className={styles.draftTitle}>{draft.kind === 'page' ? 'New comment on the whole page' : draft.anchor.kind === 'text' ? 'New comment on the selected text' : 'New comment pinned to'}</p>
      {draft.kind === 'pin' ? (
        <blockquote className={styles.quote} data-kind={draft.anchor.kind}>
          {draft.anchor.kind === 'element' ? <span className={styles.quoteName} data-testid="anchor-name">{anchorName(draft.anchor)}</span> : null}
          {draft.anchor.kind === 'text' || quoteAddsToName(draft.anchor) ? <span className={styles.quoteText}>{draft.anchor.quote}</span> : null}
        </blockquote>
      ) : null}
      <Composer
        mentionables={mentionables}
        placeholder={draft.kind === 'page' ? 'Say something about the page… (@ to mention)' : 'Add a comment… (@ to mention)'}
        submitLabel="Comment"
        ariaLabel="New comment"
        autoFocus
        testId="new-thread-composer"
        onSubmit={onSubmit}
        onCancel={onCancel}
      />
    </section>
  );
}

export function CommentIcon({ size = 16 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.6A8 8 0 1 1 21 12z" />
    </svg>
  );
}

function PinIcon() {
  return (
    <svg width={15} height={15} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21z" />
      <circle cx="12" cy="9.5" r="2.5" />
    </svg>
  );
}

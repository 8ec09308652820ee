'use client';

import { useMutation } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { htmlOf } from '../../../../lib/artifact/doc-shape';
import { createThreadMutationOptions } from '../../../../lib/query/review';
import { createAnchor } from '../../../../lib/review/anchor';
import type { CommentBody } from '../../../../lib/review/body';
import type { AnchorInput, AnchorState, ThreadView } from '../../../../lib/review/types';
import type { FrameMessage, FrameRect, PickTarget, TextPickTarget } from '../../../../lib/sandbox/bridge';
import type { FrameBridge } from '../_live/use-frame-bridge';
import type { CollabSession } from '../_live/use-collab-session';
import {
  applyFilter,
  DEFAULT_FILTER,
  threadNumbers,
  type ThreadFilter,
} from './thread-filters';
import { statesOf, useAnchorStates, type ResolvedAnchors } from './use-anchor-states';
import { useCommentAnnouncements } from './use-comment-announcements';
import { useLinkedThread } from './use-linked-thread';
import { PICK_CANCELLED_ANNOUNCEMENT, PICK_MODE_ANNOUNCEMENT, pickedAnnouncement, focusedElement, returnFocus } from './pick-a11y';
import { buildPins, draftPin, usePins } from './use-pins';
import type { ReviewState } from './use-review-doc';

/**
 * A new thread being written: about the whole page, or pinned to what the
 * reviewer picked. Picking again re-targets it; what was typed stays.
 */
export type ThreadDraft = { kind: 'page' } | { kind: 'pin'; anchor: AnchorInput };

/** The reader's current text selection in the page, for the floating "Comment" button. */
export interface FrameSelection {
  target: TextPickTarget;
  /** In the frame's viewport. */
  rect: FrameRect;
}

export interface RevealRequest {
  threadId: string;
  /** Move keyboard focus to the card too (a pin was clicked, a thread was just created). */
  focus: boolean;
}

interface Options {
  artifactId: string;
  content: CollabSession | null;
  /** The review room, as `useReviewDoc` reads it. */
  review: ReviewState;
  viewerId: string | null;
  canWrite: boolean;
  /** The artifact frame's bridge, once the frame is there. */
  bridge: FrameBridge | null;
  /** Something in the page needs the panel (a pin was clicked, something was picked to comment on). Stable. */
  onShowPanel(): void;
}

/**
 * The review panel's state and what the page and the panel do to it: threads
 * from the review room, their anchors resolved against the live page, the
 * filter, the active thread, pick mode and the text selection, the draft
 * thread, and the pins sent to the frame. The live view owns one and wires
 * the frame's events to the `onFrame*` handlers.
 */
export function useReviewPanel({ artifactId, content, review, viewerId, canWrite, bridge, onShowPanel }: Options) {
  const { threads } = review;
  const resolved: ResolvedAnchors = useAnchorStates(content, threads);
  const states: ReadonlyMap<string, AnchorState> = useMemo(() => statesOf(resolved), [resolved]);
  const numbers = useMemo(() => threadNumbers(threads), [threads]);
  const openCount = useMemo(() => threads.filter((thread) => thread.status === 'open').length, [threads]);
  const [filter, setFilter] = useState<ThreadFilter>(DEFAULT_FILTER);
  const visibleThreads = useMemo(() => applyFilter(threads, filter, states, viewerId), [threads, filter, states, viewerId]);
  const [activeThreadId, setActiveThreadId] = useState<string | null>(null);
  const [revealRequest, setRevealRequest] = useState<RevealRequest | null>(null);
  const [draft, setDraft] = useState<ThreadDraft | null>(null);
  const [isPicking, setPicking] = useState(false);
  const [selection, setSelection] = useState<FrameSelection | null>(null);
  const createThread = useMutation(createThreadMutationOptions(artifactId));
  const commentAnnouncement = useCommentAnnouncements(threads, review.hasSynced, viewerId, numbers);
  // The live region reads out the latest of: a comment arriving, pick mode starting, ending, or picking something.
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => setAnnouncement(commentAnnouncement), [commentAnnouncement]);
  /** Where focus was when pick mode began: it goes back there when the pick or the new comment is dropped. */
  const returnFocusRef = useRef<HTMLElement | null>(null);

  const pins = useMemo(() => {
    const threadPins = buildPins(visibleThreads, resolved, numbers, activeThreadId);
    return draft?.kind === 'pin' ? [...threadPins, draftPin(draft.anchor)] : threadPins;
  }, [visibleThreads, resolved, numbers, activeThreadId, draft]);
  usePins(bridge, pins);

  // A thread deleted by its author (here or elsewhere) is no longer active.
  useEffect(() => {
    if (activeThreadId && !threads.some((thread) => thread.id === activeThreadId)) setActiveThreadId(null);
  }, [threads, activeThreadId]);

  /** Makes sure the filter shows this thread, then marks it active and asks the panel to bring it into view. */
  const reveal = useCallback(
    (thread: ThreadView, focus: boolean) => {
      setFilter((current) => {
        if (applyFilter([thread], current, states, viewerId).length === 1) return current;
        return { ...DEFAULT_FILTER, status: thread.status };
      });
      setActiveThreadId(thread.id);
      setRevealRequest({ threadId: thread.id, focus });
    },
    [states, viewerId],
  );

  // A link to one thread (the inbox's): open the panel on it.
  const revealLinked = useCallback(
    (thread: ThreadView) => {
      onShowPanel();
      reveal(thread, true);
    },
    [onShowPanel, reveal],
  );
  const linkedThread = useLinkedThread({ threads, hasSynced: review.hasSynced, bridge, reveal: revealLinked, showPanel: onShowPanel });

  const activateThread = useCallback(
    (threadId: string) => {
      setActiveThreadId(threadId);
      const thread = threads.find((candidate) => candidate.id === threadId);
      if (thread?.anchor && states.get(threadId) !== 'outdated') bridge?.focusPin(threadId);
    },
    [bridge, threads, states],
  );

  const newDraft = useCallback((next: ThreadDraft) => setDraft(next), []);

  const startPageComment = useCallback(() => {
    returnFocusRef.current = focusedElement();
    newDraft({ kind: 'page' });
    onShowPanel();
  }, [newDraft, onShowPanel]);

  const startPick = useCallback(() => {
    if (!canWrite) return;
    setSelection(null);
    setPicking(true);
    returnFocusRef.current = focusedElement();
    setAnnouncement(PICK_MODE_ANNOUNCEMENT);
    // The bridge also moves focus into the frame, where the pick keys work.
    bridge?.setPickMode(true);
  }, [canWrite, bridge]);

  const cancelPick = useCallback(() => {
    setPicking(false);
    bridge?.setPickMode(false);
    setAnnouncement(PICK_CANCELLED_ANNOUNCEMENT);
    returnFocus(returnFocusRef.current);
  }, [bridge]);

  // A new comment dropped (Escape, Cancel) unmounts the composer that had focus: back to where the reviewer was.
  // (A comment sent focuses its new card instead.)
  const isDroppingRef = useRef(false);
  const cancelDraft = useCallback(() => {
    isDroppingRef.current = true;
    setDraft(null);
  }, []);
  useEffect(() => {
    if (draft !== null || !isDroppingRef.current) return;
    isDroppingRef.current = false;
    returnFocus(returnFocusRef.current);
  }, [draft]);

  /** Anchors are made the moment something is picked: relative positions then follow later edits. */
  const draftFromTarget = useCallback(
    (target: PickTarget) => {
      if (!content) return;
      newDraft({ kind: 'pin', anchor: createAnchor(htmlOf(content.doc), target) });
      onShowPanel();
    },
    [content, newDraft, onShowPanel],
  );

  const submitDraft = useCallback(
    async (body: CommentBody) => {
      if (!draft) return;
      const created = await createThread.mutateAsync({ anchor: draft.kind === 'pin' ? draft.anchor : null, body });
      setDraft(null);
      reveal(created, true);
    },
    [createThread, draft, reveal],
  );

  // ---- the frame's events ----

  const onFramePicked = useCallback(
    (target: PickTarget) => {
      setPicking(false);
      if (!canWrite) return;
      setAnnouncement(pickedAnnouncement(target));
      draftFromTarget(target);
    },
    [canWrite, draftFromTarget],
  );

  const onFramePickCancelled = useCallback(() => {
    setPicking(false);
    setAnnouncement(PICK_CANCELLED_ANNOUNCEMENT);
    returnFocus(returnFocusRef.current);
  }, []);

  const onFrameSelection = useCallback(
    (target: TextPickTarget | null, rect: FrameRect | null) => {
      setSelection(canWrite && target && rect ? { target, rect } : null);
    },
    [canWrite],
  );

  const onFramePinClick = useCallback(
    (threadId: string) => {
      const thread = threads.find((candidate) => candidate.id === threadId);
      if (!thread) return;
      onShowPanel();
      reveal(thread, true);
    },
    [threads, reveal, onShowPanel],
  );

  // The frame's review messages, to the handlers above (kept in a ref so one subscription serves).
  const handlersRef = useRef({ onFramePicked, onFramePickCancelled, onFrameSelection, onFramePinClick });
  useEffect(() => {
    handlersRef.current = { onFramePicked, onFramePickCancelled, onFrameSelection, onFramePinClick };
  }, [onFramePicked, onFramePickCancelled, onFrameSelection, onFramePinClick]);
  useEffect(() => {
    if (!bridge) return;
    return bridge.subscribe((message: FrameMessage) => {
      const handlers = handlersRef.current;
      if (message.type === 'picked') handlers.onFramePicked(message.target);
      else if (message.type === 'pick-cancelled') handlers.onFramePickCancelled();
      else if (message.type === 'selection') handlers.onFrameSelection(message.target, message.rect);
      else if (message.type === 'pin-click') handlers.onFramePinClick(message.id);
    });
  }, [bridge]);

  const commentOnSelection = useCallback(() => {
    if (!selection) return;
    // The floating Comment button goes with the selection: dropping the comment returns to "Add a pin".
    returnFocusRef.current = null;
    draftFromTarget(selection.target);
    setSelection(null);
  }, [selection, draftFromTarget]);

  // The `c` shortcut starts pick mode; Escape leaves it. Typing anywhere is left alone.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === 'Escape' && isPicking) {
        event.preventDefault();
        cancelPick();
        return;
      }
      if ((event.key === 'c' || event.key === 'C') && !event.shiftKey && canWrite && !isPicking && !isTyping(event.target)) {
        event.preventDefault();
        startPick();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [canWrite, isPicking, startPick, cancelPick]);

  const clearReveal = useCallback(() => setRevealRequest(null), []);

  return {
    hasSynced: review.hasSynced,
    threads,
    linkedThread,
    openCount,
    visibleThreads,
    numbers,
    states,
    filter,
    setFilter,
    activeThreadId,
    activateThread,
    revealRequest,
    clearReveal,
    draft,
    startPageComment,
    cancelDraft,
    submitDraft,
    isPicking,
    startPick,
    cancelPick,
    selection,
    commentOnSelection,
    announcement,
    onFramePicked,
    onFramePickCancelled,
    onFrameSelection,
    onFramePinClick,
  };
}

export type ReviewPanelController = ReturnType<typeof useReviewPanel>;

/** Keys typed into a field, an editor or a dialog are not shortcuts. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.closest('dialog[open], [role="menu"]')) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

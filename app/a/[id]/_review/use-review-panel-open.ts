'use client';

import { useCallback, useEffect, useState } from 'react';

/** Wide enough for the page and the panel side by side. */
export const REVIEW_PANEL_AUTO_OPEN_QUERY = '(min-width: 1100px)';
/** Remembers a reader's choice to keep the panel closed (or open), across artifacts. */
export const REVIEW_PANEL_STORAGE_KEY = 'loupe:review-panel';

export interface ReviewPanelOpen {
  isOpen: boolean;
  /** Whether the last opening was the reader's (move focus into the panel) rather than automatic. */
  isOpenedByReader: boolean;
  /** `byReader`: the reader asked (remember it, and focus the panel). */
  open(byReader: boolean): void;
  /** `byReader`: the reader asked (remember it); otherwise another panel took the place. */
  close(byReader: boolean): void;
}

/**
 * Whether the comments panel is showing. On wide screens it opens by itself
 * on arrival (the review is the point of the page) unless the reader closed
 * it last time; on narrow ones it waits to be asked, as it covers the page.
 */
export function useReviewPanelOpen(): ReviewPanelOpen {
  const [state, setState] = useState({ isOpen: false, isOpenedByReader: false });

  // After mount: the server render knows neither the screen nor the reader's choice.
  useEffect(() => {
    if (readChoice() === 'closed' || !window.matchMedia(REVIEW_PANEL_AUTO_OPEN_QUERY).matches) return;
    setState((current) => (current.isOpen ? current : { isOpen: true, isOpenedByReader: false }));
  }, []);

  const open = useCallback((byReader: boolean) => {
    if (byReader) writeChoice('open');
    setState({ isOpen: true, isOpenedByReader: byReader });
  }, []);

  const close = useCallback((byReader: boolean) => {
    if (byReader) writeChoice('closed');
    setState({ isOpen: false, isOpenedByReader: false });
  }, []);

  return { ...state, open, close };
}

function readChoice(): string | null {
  try {
    return window.localStorage.getItem(REVIEW_PANEL_STORAGE_KEY);
  } catch (error) {
    // Storage can be off (privacy settings): behave as if nothing was chosen.
    console.warn('Could not read the review panel preference', error);
    return null;
  }
}

function writeChoice(choice: 'open' | 'closed'): void {
  try {
    window.localStorage.setItem(REVIEW_PANEL_STORAGE_KEY, choice);
  } catch (error) {
    console.warn('Could not remember the review panel preference', error);
  }
}

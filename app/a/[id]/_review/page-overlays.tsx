'use client';

import { useLayoutEffect, useState } from 'react';
import type { FrameSelection } from './use-review-panel';
import { CommentIcon } from './review-panel';
import styles from './review-panel.module.css';

/** Room the floating button needs above a selection before it goes below it instead. */
const ABOVE_SELECTION_MIN_PX = 48;

/** Over the page while pick mode is on: what to do, and a way out. */
export function PickBanner({ onCancel }: { onCancel(): void }) {
  return (
    <div className={styles.pickBanner} role="status" data-testid="pick-banner">
      <span>
        Click something on the page to pin a comment to it. <span className={styles.pickKeys}>Arrows move, Enter picks.</span>
      </span>
      <button type="button" className={styles.pickCancel} onClick={onCancel}>
        Cancel <kbd className={styles.kbd}>Esc</kbd>
      </button>
    </div>
  );
}

interface SelectionCommentButtonProps {
  selection: FrameSelection;
  /** The artifact's iframe: the selection's rect is in its viewport. */
  frameElement: HTMLIFrameElement | null;
  onComment(): void;
}

/**
 * "Comment", floating over the text the reader selected in the page: above
 * the selection, or below it when it sits at the top of the frame. Placed in
 * the app's viewport (fixed), from the frame's box and the selection's box in
 * the frame.
 */
export function SelectionCommentButton({ selection, frameElement, onComment }: SelectionCommentButtonProps) {
  const [frameBox, setFrameBox] = useState<DOMRect | null>(null);

  useLayoutEffect(() => {
    const frame = frameElement;
    if (!frame) return;
    const measure = () => setFrameBox(frame.getBoundingClientRect());
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(frame);
    window.addEventListener('resize', measure);
    return () => {
      observer.disconnect();
      window.removeEventListener('resize', measure);
    };
  }, [frameElement]);

  if (!frameBox) return null;
  const { rect } = selection;
  // Keep the button over the frame even when the selection runs past its edges.
  const centerX = clamp(frameBox.left + rect.x + rect.width / 2, frameBox.left + 60, frameBox.right - 60);
  const isAbove = rect.y >= ABOVE_SELECTION_MIN_PX;
  const top = isAbove
    ? frameBox.top + rect.y
    : clamp(frameBox.top + rect.y + rect.height + 8, frameBox.top + 8, frameBox.bottom - 48);

  return (
    <button
      type="button"
      className={`button button-primary ${styles.selectionButton}`}
      style={{ left: centerX, top }}
      data-placement={isAbove ? 'above' : 'below'}
      onClick={onComment}
      data-testid="comment-on-selection"
    >
      <CommentIcon size={15} />
      Comment
    </button>
  );
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

import type { PickTarget } from '../../../../lib/sandbox/bridge';

/**
 * What pick mode says to a screen reader, and where keyboard focus goes
 * around it. The frame and its overlay cannot speak for the app (another
 * origin, a closed shadow root), so the app announces through its live
 * region and puts focus back where the reviewer was.
 */

/** How much of a quote is read out. */
const EXCERPT_CHARS = 100;

export const PICK_MODE_ANNOUNCEMENT = 'Pick mode: arrow keys move through the page, Enter pins a comment, Escape cancels.';
export const PICK_CANCELLED_ANNOUNCEMENT = 'Pick mode off.';

/** Read out when something was picked, before focus lands in the new comment. */
export function pickedAnnouncement(target: PickTarget): string {
  const quote = target.quote.replace(/\s+/g, ' ').trim();
  const excerpt = quote.length > EXCERPT_CHARS ? `${quote.slice(0, EXCERPT_CHARS - 1)}…` : quote;
  if (target.kind === 'text') return `Commenting on the text “${excerpt}”. Write your comment.`;
  return excerpt ? `Pinned to “${excerpt}”. Write your comment.` : 'Pinned to an element with no text. Write your comment.';
}

/** The element with keyboard focus, unless that is the body or the artifact frame. */
export function focusedElement(): HTMLElement | null {
  const active = document.activeElement;
  return active instanceof HTMLElement && active !== document.body && active.localName !== 'iframe' ? active : null;
}

/** True when keyboard focus is nowhere useful: on the body, or still in the artifact frame after pick mode. */
export function isFocusLost(): boolean {
  const active = document.activeElement;
  return active === null || active === document.body || active.localName === 'iframe';
}

/**
 * Puts focus back on `element` (where the reviewer was when pick mode began)
 * or else on "Add a pin", when focus was lost; leaves it alone when
 * something else took it on purpose (a tab, a card, the composer).
 */
export function returnFocus(element: HTMLElement | null): void {
  // After React has removed what had focus (the pick banner's Cancel, the composer).
  requestAnimationFrame(() => {
    if (!isFocusLost()) return;
    const target = element?.isConnected ? element : document.querySelector<HTMLElement>('[data-testid="add-pin"]');
    target?.focus();
  });
}

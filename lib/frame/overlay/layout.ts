/*
 * Keeping the overlay in step with the page.
 */
import { bodyOf, cancelRaf, clearTimer, doc, getRect, isConnected, raf, rectHeight, rectWidth, setTimer } from '../intrinsics';
import { ensureOverlay, overlay } from './host';
import { drawPickOutline, pickState } from './pick';
import { placePins } from './pins';

let layoutFrame = 0;
let layoutTimer = 0;
/** The body's size when the overlay was last laid out, as `w x h`. */
let laidOutBodySize = '';

const bodySize = (): string => {
  const body = bodyOf(doc);
  if (body === null) return '';
  const r = getRect(body);
  return `${rectWidth(r)}x${rectHeight(r)}`;
};

const runOverlayLayout = (): void => {
  if (layoutFrame) cancelRaf(layoutFrame);
  if (layoutTimer) clearTimer(layoutTimer);
  layoutFrame = 0;
  layoutTimer = 0;
  placePins(false);
  drawPickOutline();
  laidOutBodySize = bodySize();
};

/**
 * The body was resized. A render has usually just laid the overlay out for
 * this very size (its ResizeObserver callback comes after): skip that one.
 */
export const onBodyResized = (): void => {
  if (bodySize() !== laidOutBodySize) scheduleOverlayLayout();
};

/** After a resize, a reflow or an inner box's scroll: once per frame (timer fallback when not painting). */
export const scheduleOverlayLayout = (): void => {
  if (overlay.parts === null || layoutFrame !== 0) return;
  layoutFrame = raf(runOverlayLayout);
  layoutTimer = setTimer(runOverlayLayout, 250);
};

/** After a render: the morph may have moved, replaced or removed anything, the host included. */
export const afterRender = (): void => {
  if (pickState.current !== null && !isConnected(pickState.current)) pickState.current = null;
  ensureOverlay();
  drawPickOutline();
  placePins(false);
  laidOutBodySize = bodySize();
};

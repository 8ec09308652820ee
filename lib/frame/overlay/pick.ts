/*
 * Pick mode: the reviewer points at an element (pointer or keyboard) and
 * the frame tells the app what it is. Also the first input handler on
 * window, which keeps input aimed at the overlay away from the artifact.
 */
import { post } from '../channel';
import {
  bodyOf,
  computedStyle,
  doc,
  eventKey,
  eventTarget,
  firstChildOf,
  firstElementChildOf,
  getData,
  getRect,
  getTextContent,
  innerHeightOf,
  isConnected,
  lastElementChildOf,
  localNameOf,
  mouseButton,
  nextElementSiblingOf,
  nextSiblingOf,
  nodeType,
  parentOf,
  prefersReducedMotion,
  preventDefault,
  previousElementSiblingOf,
  raf,
  rectBottom,
  rectHeight,
  rectTop,
  rectWidth,
  scrollIntoView,
  scrollYOf,
  setTextContent,
  stopImmediatePropagation,
  win,
} from '../intrinsics';
import { applyReviewSheet, ensureOverlay, overlay, overlayBoxStyle, reviewSheetState, setAttrIfChanged, setHidden, viewportRect } from './host';
import { describeElement, isElementNode, isPlainTag, pickableFrom, tagLabel } from './naming';
import { activatePin } from './pins';

export const pickState: {
  /** The highlighted element (pointer or keyboard), or null. */
  current: Element | null;
} = { current: null };
let hoverTarget: EventTarget | null = null;
let hoverFrame = 0;
// Guards against walking a huge, mostly hidden page on one key press.
const MAX_WALK = 50000;

export const isPicking = (): boolean => reviewSheetState.picking;

const isShown = (el: Element): boolean => {
  const r = getRect(el);
  return rectWidth(r) > 0 && rectHeight(r) > 0 && computedStyle(el).visibility === 'visible';
};
const isPickCandidate = (el: Element): boolean => isPlainTag(localNameOf(el)) && isShown(el);
const isBlockLevel = (el: Element): boolean => {
  const display = computedStyle(el).display;
  return display !== 'none' && display !== 'contents' && display.indexOf('inline') !== 0;
};
const hasOwnText = (el: Element): boolean => {
  for (let c = firstChildOf(el); c !== null; c = nextSiblingOf(c)) {
    if (nodeType(c) === 3 && /\S/.test(getData(c as CharacterData))) return true;
  }
  return false;
};

/** The element after el in document order, inside <body>; over its subtree when skipChildren. */
const nextInBody = (el: Element, skipChildren: boolean): Element | null => {
  const body = bodyOf(doc);
  if (!skipChildren) {
    const child = firstElementChildOf(el);
    if (child !== null) return child;
  }
  for (let e: Node | null = el; e !== null && e !== body; e = parentOf(e)) {
    const next = nextElementSiblingOf(e as Element);
    if (next !== null) return next;
  }
  return null;
};
/** The element before el in document order, inside <body> (never <body> itself). */
const previousInBody = (el: Element): Element | null => {
  const sibling = previousElementSiblingOf(el);
  if (sibling === null) {
    const parent = parentOf(el);
    return parent === null || parent === bodyOf(doc) || !isElementNode(parent) ? null : parent;
  }
  let last = sibling;
  for (let c = lastElementChildOf(last); c !== null; c = lastElementChildOf(last)) last = c;
  return last;
};

/** The next (or previous) visible element in document order, skipping hidden and zero-size ones. */
const stepPick = (from: Element | null, forward: boolean): Element | null => {
  const body = bodyOf(doc);
  if (body === null) return null;
  let el = from !== null && isConnected(from) ? from : null;
  for (let n = 0; n < MAX_WALK; n++) {
    if (forward) el = nextInBody(el === null ? body : el, false);
    else el = el === null ? null : previousInBody(el);
    if (el === null) return null;
    if (isPickCandidate(el)) return el;
  }
  return null;
};

const firstShownChild = (el: Element): Element | null => {
  for (let c = firstElementChildOf(el); c !== null; c = nextElementSiblingOf(c)) if (isPickCandidate(c)) return c;
  return null;
};

/**
 * Where keyboard picking starts: the first block in document order that
 * shows in the viewport and holds text of its own (a heading or a
 * paragraph, not the <main> around them); failing that, the first block
 * in the viewport. Subtrees wholly above or below the viewport are skipped.
 */
const firstContentBlock = (): Element | null => {
  const body = bodyOf(doc);
  if (body === null) return null;
  const height = innerHeightOf(win);
  let fallback: Element | null = null;
  let el = nextInBody(body, false);
  for (let n = 0; el !== null && n < MAX_WALK; n++) {
    const r = getRect(el);
    const isSized = rectHeight(r) > 0;
    if (isSized && (rectBottom(r) <= 0 || rectTop(r) >= height)) {
      el = nextInBody(el, true);
      continue;
    }
    if (isSized && isPickCandidate(el) && isBlockLevel(el)) {
      if (hasOwnText(el)) return el;
      if (fallback === null) fallback = el;
    }
    el = nextInBody(el, false);
  }
  return fallback;
};

export const drawPickOutline = (): void => {
  const parts = overlay.parts;
  if (parts === null) return;
  const current = pickState.current;
  if (!isPicking() || current === null || !isConnected(current)) {
    setHidden(parts.pickBox, true);
    return;
  }
  const origin = getRect(parts.host);
  const r = getRect(current);
  // Near the top of the page the label would sit above the document: put it inside.
  const isLabelInside = rectTop(r) + scrollYOf(win) < 20;
  setAttrIfChanged(parts.pickBox, 'class', isLabelInside ? 'pick label-inside' : 'pick');
  setAttrIfChanged(parts.pickBox, 'style', overlayBoxStyle(r, origin, 0));
  const label = tagLabel(current);
  if (getTextContent(parts.pickLabel) !== label) setTextContent(parts.pickLabel, label);
  setHidden(parts.pickBox, false);
};

const highlightForPick = (el: Element | null, isReveal: boolean): void => {
  pickState.current = el;
  if (isReveal && el !== null) {
    scrollIntoView(el, { block: 'nearest', inline: 'nearest', behavior: prefersReducedMotion() ? 'instant' : 'smooth' });
  }
  drawPickOutline();
};

export const startPicking = (): void => {
  if (isPicking() || overlay.parts === null) return;
  reviewSheetState.picking = true;
  ensureOverlay();
  highlightForPick(firstContentBlock(), false);
};

/** Leaves pick mode without telling the app (it asked, or a pick is being posted). */
export const stopPicking = (): void => {
  if (!isPicking()) return;
  reviewSheetState.picking = false;
  pickState.current = null;
  hoverTarget = null;
  drawPickOutline();
  applyReviewSheet();
};

const pickElement = (el: Element): void => {
  const target = describeElement(el);
  const rect = viewportRect(getRect(el));
  stopPicking();
  post({ type: 'picked', target, rect });
};

const PICK_KEYS: Record<string, true | undefined> = { Escape: true, Enter: true, ArrowDown: true, ArrowUp: true, ArrowLeft: true, ArrowRight: true };

const onPickKey = (key: string): void => {
  const current = pickState.current !== null && isConnected(pickState.current) ? pickState.current : null;
  let next: Element | null = null;
  if (key === 'Escape') {
    stopPicking();
    post({ type: 'pick-cancelled' });
    return;
  }
  if (key === 'Enter') {
    if (current !== null) pickElement(current);
    return;
  }
  if (key === 'ArrowDown') next = stepPick(current, true);
  else if (key === 'ArrowUp') next = stepPick(current, false);
  else if (key === 'ArrowLeft') next = current === null ? null : pickableFrom(parentOf(current));
  else if (key === 'ArrowRight') next = current === null ? null : firstShownChild(current);
  if (next !== null) highlightForPick(next, true);
};

const applyHover = (): void => {
  hoverFrame = 0;
  if (!isPicking() || hoverTarget === null) return;
  // Over a pin, keep what was highlighted.
  if (overlay.parts === null || hoverTarget !== overlay.parts.host) highlightForPick(pickableFrom(hoverTarget), false);
  hoverTarget = null;
};

export const onPickPointerMove = (event: Event): void => {
  if (!isPicking()) return;
  hoverTarget = eventTarget(event);
  if (hoverFrame === 0) hoverFrame = raf(applyHover);
};

/**
 * First on window for clicks, presses and keys. Two jobs: input aimed at
 * the overlay (pins) is handled here and kept from the artifact; in pick
 * mode, pointer input is swallowed (no link, no form, no artifact handler)
 * and a click picks, and the pick keys are ours.
 */
export const onGuardedInput = (event: Event): void => {
  const type = event.type;
  const isKey = type === 'keydown' || type === 'keyup' || type === 'keypress';
  if (isPicking() && isKey) {
    const key = eventKey(event as KeyboardEvent);
    if (PICK_KEYS[key] !== true) return;
    preventDefault(event);
    stopImmediatePropagation(event);
    if (type === 'keydown' && event.isTrusted) onPickKey(key);
    return;
  }
  const target = eventTarget(event);
  if (overlay.parts !== null && target === overlay.parts.host) {
    // Ours; default actions (focus, a button's click on Enter) still happen.
    stopImmediatePropagation(event);
    if (type === 'click' && event.isTrusted && !isPicking()) activatePin(event as MouseEvent);
    return;
  }
  if (!isPicking() || isKey) return;
  preventDefault(event);
  stopImmediatePropagation(event);
  if (type === 'click' && event.isTrusted && mouseButton(event as MouseEvent) === 0) {
    const el = pickableFrom(target);
    if (el !== null) pickElement(el);
  }
};

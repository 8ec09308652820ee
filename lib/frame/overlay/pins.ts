/*
 * Comment pins: find each pin's element, draw the pins, highlight quoted
 * text, and tell the app where they are.
 */
import type { PinPlacementShape } from '../../sandbox/limits';
import { post } from '../channel';
import {
  HTML_NS,
  HighlightCtor,
  clientWidthOf,
  collectionItem,
  collectionLength,
  createElementNS,
  createRange,
  doc,
  documentElementOf,
  firstChildOf,
  getData,
  getElementsByTagNameDoc,
  getRect,
  getTextContent,
  highlightRegistry,
  innerWidthOf,
  insertBefore,
  isConnected,
  localNameOf,
  max,
  min,
  mouseClientX,
  mouseClientY,
  nextSiblingOf,
  nodeType,
  parentOf,
  prefersReducedMotion,
  querySelectorDoc,
  rangeSetEnd,
  rangeSetStart,
  rectHeight,
  rectLeft,
  rectRight,
  rectTop,
  rectWidth,
  registryDelete,
  registrySet,
  scrollIntoView,
  scrollYOf,
  setAttributeNS,
  setTextContent,
  setTimer,
  shadowActiveElement,
  shadowElementFromPoint,
  uiEventDetail,
  win,
} from '../intrinsics';
import { detach } from '../patch';
import type { Pin } from '../protocol';
import { collapse } from '../text';
import { currentPalette } from '../theme';
import {
  FLASH_MS,
  OVERLAY_TAG,
  PIN_GAP,
  PIN_SIZE,
  applyReviewSheet,
  clampSize,
  ensureOverlay,
  makeOverlayElement,
  overlay,
  overlayBoxStyle,
  reviewSheetState,
  setAttrIfChanged,
} from './host';

/** The last valid `pins` list; null until the app sends one. */
let pins: Pin[] | null = null;
/** id → the pin's <button>, kept across placements so focus stays put. */
const pinButtons = new Map<string, Element>();
const buttonPinIds = new WeakMap<Element, string>();
/** id → the element the last placement found, for focus-pin. */
let pinTargets = new Map<string, Element>();
let lastPlacedKey = '';
/** Names this frame registered in CSS.highlights (never anyone else's). */
let highlightNames: string[] = [];

/** How far either side of its ordinal a pin looks for its quote (elements the page's scripts added). */
const QUOTE_SEARCH_RADIUS = 64;

const hasQuote = (el: Element, pin: Pin): boolean => pin.quoteHead === '' || collapse(getTextContent(el) || '').indexOf(pin.quoteHead) >= 0;

/**
 * By ordinal when the app resolved one (the ordinal counts elements in the
 * page source). The page's own scripts can add elements of the same tag
 * before it, so an unchanged anchor whose element lacks the quote looks for
 * the nearest one that has it, and keeps the ordinal's otherwise. With
 * fewer such elements than the ordinal, or no ordinal, the selector finds
 * it, accepted only if the element's text still contains the quote's start.
 */
const locatePin = (pin: Pin): Element | null => {
  if (pin.tag === OVERLAY_TAG) return null;
  if (pin.ordinal !== null) {
    const list = getElementsByTagNameDoc(doc, pin.tag);
    const count = collectionLength(list);
    if (pin.ordinal < count) {
      const el = collectionItem(list, pin.ordinal) as Element;
      if (pin.state !== 'ok' || hasQuote(el, pin)) return el;
      for (let d = 1; d <= QUOTE_SEARCH_RADIUS; d++) {
        if (pin.ordinal + d < count && hasQuote(collectionItem(list, pin.ordinal + d) as Element, pin)) return collectionItem(list, pin.ordinal + d);
        if (pin.ordinal - d >= 0 && hasQuote(collectionItem(list, pin.ordinal - d) as Element, pin)) return collectionItem(list, pin.ordinal - d);
      }
      return el;
    }
  }
  if (pin.selector === '') return null;
  let el: Element | null;
  try {
    el = querySelectorDoc(doc, pin.selector);
  } catch {
    return null; // not a selector this browser parses
  }
  if (el === null || (overlay.parts !== null && el === overlay.parts.host)) return null;
  return hasQuote(el, pin) ? el : null;
};

// Text inside these never renders as the page's text.
const UNRENDERED_TEXT: Record<string, true | undefined> = { script: true, style: true, noscript: true, template: true, title: true };

interface TextIndex {
  text: string;
  nodes: Node[];
  starts: number[];
}

/** The rendered text nodes under el, their concatenated data, and where each starts in it. */
const textIndexOf = (el: Element): TextIndex => {
  const nodes: Node[] = [];
  const starts: number[] = [];
  const parts: string[] = [];
  let length = 0;
  let node = firstChildOf(el);
  while (node !== null) {
    const type = nodeType(node);
    let next: Node | null = null;
    if (type === 3) {
      const data = getData(node as CharacterData);
      nodes.push(node);
      starts.push(length);
      parts.push(data);
      length += data.length;
    } else if (type === 1 && UNRENDERED_TEXT[localNameOf(node as Element)] !== true) {
      next = firstChildOf(node);
    }
    for (let n: Node | null = node; next === null && n !== null && n !== el; n = parentOf(n)) next = nextSiblingOf(n);
    node = next;
  }
  return { text: parts.join(''), nodes, starts };
};

/** The index of the text node holding position `offset` (for an end, the node it ends in). */
const nodeAt = (index: TextIndex, offset: number, isEnd: boolean): number => {
  let lo = 0;
  let hi = index.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const start = index.starts[mid];
    if (start < offset || (!isEnd && start === offset)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
};

/** A Range over the first match of a quote pattern in the element's text. */
const quoteRangeIn = (index: TextIndex, pattern: RegExp): Range | null => {
  if (index.nodes.length === 0) return null;
  const match = pattern.exec(index.text);
  if (match === null) return null;
  const start = match.index;
  const end = start + match[0].length;
  const first = nodeAt(index, start, false);
  const last = nodeAt(index, end, true);
  const range = createRange(doc);
  rangeSetStart(range, index.nodes[first], start - index.starts[first]);
  rangeSetEnd(range, index.nodes[last], end - index.starts[last]);
  return range;
};

/** [r, g, b] of a validated #hex colour (its own alpha is ignored). */
export const rgbOf = (hex: string): [number, number, number] => {
  const digits = hex.slice(1);
  const isShort = digits.length <= 4;
  const channel = (i: number): number => (isShort ? parseInt(digits[i] + digits[i], 16) : parseInt(digits.slice(2 * i, 2 * i + 2), 16));
  return [channel(0), channel(1), channel(2)];
};
/** White or near-black, whichever reads better on the pin's colour. */
export const inkFor = (hex: string): string => {
  const c = rgbOf(hex);
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] > 160 ? 'rgb(17, 17, 17)' : 'rgb(255, 255, 255)';
};
const rgba = (hex: string, alpha: number): string => {
  const c = rgbOf(hex);
  return `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${alpha})`;
};

/** Rough width of a pin: round for one or two characters, a pill for more. */
const pinWidth = (label: string): number => max(PIN_SIZE, 12 + 7 * label.length);

const ariaLabelFor = (pin: Pin): string =>
  pin.state === 'changed' ? `Comment thread ${pin.label} (the page changed here since)` : `Comment thread ${pin.label}`;

interface PinDraw {
  pin: Pin;
  left: number;
  top: number;
  order: number;
  x: number;
}

/** Updates buttons in place, drops the ones no longer drawn, and keeps DOM (= tab) order top to bottom. */
const drawPins = (draws: PinDraw[], pinLayer: Element): void => {
  const drawn = new Set<string>();
  for (let i = 0; i < draws.length; i++) {
    const pin = draws[i].pin;
    drawn.add(pin.id);
    let button = pinButtons.get(pin.id);
    if (button === undefined) {
      button = createElementNS(doc, HTML_NS, 'button');
      setAttributeNS(button, null, 'type', 'button');
      pinButtons.set(pin.id, button);
      buttonPinIds.set(button, pin.id);
    }
    setAttrIfChanged(button, 'class', pin.active ? 'pin active' : 'pin');
    setAttrIfChanged(button, 'data-state', pin.state);
    setAttrIfChanged(button, 'aria-label', ariaLabelFor(pin));
    setAttrIfChanged(button, 'style', `left:${draws[i].left}px;top:${draws[i].top}px;--pin-color:${pin.color};--pin-ink:${inkFor(pin.color)}`);
    if (getTextContent(button) !== pin.label) setTextContent(button, pin.label);
  }
  pinButtons.forEach((button, id) => {
    if (drawn.has(id)) return;
    detach(button);
    pinButtons.delete(id);
  });
  let child: Node | null = firstChildOf(pinLayer);
  for (let i = 0; i < draws.length; i++) {
    const button = pinButtons.get(draws[i].pin.id) as Element;
    if (child === button) child = nextSiblingOf(child);
    else insertBefore(pinLayer, button, child);
  }
};

interface HighlightGroup {
  color: string;
  active: boolean;
  ranges: Range[];
}

/** One Highlight per colour (and active or not), registered under our own names only. */
const paintHighlights = (groups: Map<string, HighlightGroup>): void => {
  const registry = highlightRegistry;
  const Ctor = HighlightCtor;
  const set = registrySet;
  if (registry === null || Ctor === null || set === null || registryDelete === null) return;
  const names: string[] = [];
  const alpha = currentPalette().highlightAlpha;
  let css = '';
  groups.forEach((group) => {
    const name = `loupe-pin-${names.length}`;
    set(registry, name, new Ctor(...group.ranges));
    names.push(name);
    css += `::highlight(${name}){background-color:${rgba(group.color, alpha[group.active ? 1 : 0])}}`;
  });
  for (let i = 0; i < highlightNames.length; i++) {
    if (names.indexOf(highlightNames[i]) < 0) registryDelete(registry, highlightNames[i]);
  }
  highlightNames = names;
  reviewSheetState.highlightCss = css;
  applyReviewSheet();
};

/**
 * Finds every pin's element, draws the pins at their top-right corners
 * (inside the viewport horizontally; several on one element line up to the
 * left), highlights quoted text, and tells the app where they are. All
 * measuring happens before any drawing, so this costs one layout.
 * `announce`: post `pins-placed` even if nothing moved.
 */
export const placePins = (announce: boolean): void => {
  const parts = overlay.parts;
  if (parts === null) return;
  ensureOverlay();
  if (pins === null) return;
  const origin = getRect(parts.host);
  const root = documentElementOf(doc);
  const viewportWidth = root !== null ? clientWidthOf(root) : innerWidthOf(win);
  const scrollY = scrollYOf(win);
  const placed: PinPlacementShape[] = new Array<PinPlacementShape>(pins.length);
  const draws: PinDraw[] = [];
  const targets = new Map<string, Element>();
  const perElement = new Map<Element, number>();
  const texts = new Map<Element, TextIndex>();
  const groups = new Map<string, HighlightGroup>();
  for (let i = 0; i < pins.length; i++) {
    const pin = pins[i];
    const el = pin.state === 'outdated' ? null : locatePin(pin);
    if (el === null) {
      placed[i] = { id: pin.id, found: false, y: null };
      continue;
    }
    targets.set(pin.id, el);
    const r = getRect(el);
    if (rectWidth(r) <= 0 && rectHeight(r) <= 0) {
      placed[i] = { id: pin.id, found: true, y: null }; // on the page but not rendered
      continue;
    }
    const stack = perElement.get(el) || 0;
    perElement.set(el, stack + 1);
    const x = max(0, min(rectRight(r) - PIN_SIZE / 2 - stack * (PIN_SIZE + PIN_GAP), viewportWidth - pinWidth(pin.label)));
    const y = max(rectTop(r) - PIN_SIZE / 2, -scrollY); // never above the page
    placed[i] = { id: pin.id, found: true, y: clampSize(y + scrollY) };
    draws.push({ pin, left: x - rectLeft(origin), top: y - rectTop(origin), order: y + scrollY, x });
    if (pin.quotePattern !== null && highlightRegistry !== null) {
      let index = texts.get(el);
      if (index === undefined) {
        index = textIndexOf(el);
        texts.set(el, index);
      }
      const range = quoteRangeIn(index, pin.quotePattern);
      if (range !== null) {
        const key = `${pin.color}|${pin.active}`;
        let group = groups.get(key);
        if (group === undefined) {
          group = { color: pin.color, active: pin.active, ranges: [] };
          groups.set(key, group);
        }
        group.ranges.push(range);
      }
    }
  }
  draws.sort((a, b) => a.order - b.order || a.x - b.x);
  drawPins(draws, parts.pinLayer);
  paintHighlights(groups);
  pinTargets = targets;
  const key = JSON.stringify(placed);
  if (!announce && key === lastPlacedKey) return;
  lastPlacedKey = key;
  post({ type: 'pins-placed', placed });
};

export const setPins = (list: Pin[]): void => {
  pins = list;
  placePins(true);
};

/** A click on the overlay (arriving at window as a click on the host): which pin was it? */
export const activatePin = (event: MouseEvent): void => {
  const parts = overlay.parts;
  if (parts === null) return;
  // A keyboard click (Enter or Space on a focused pin) has no position.
  const el =
    uiEventDetail(event) === 0 ? shadowActiveElement(parts.root) : shadowElementFromPoint(parts.root, mouseClientX(event), mouseClientY(event));
  const id = el === null ? undefined : buttonPinIds.get(el);
  if (id !== undefined && pinButtons.get(id) === el) post({ type: 'pin-click', id });
};

export const focusPin = (id: string): void => {
  const el = pinTargets.get(id);
  const parts = overlay.parts;
  if (el === undefined || !isConnected(el) || parts === null) return;
  scrollIntoView(el, { block: 'center', inline: 'nearest', behavior: prefersReducedMotion() ? 'instant' : 'smooth' });
  // Drawn in document coordinates, so it stays on the element while a smooth scroll runs.
  const flash = makeOverlayElement('div', 'flash', parts.root);
  setAttributeNS(flash, null, 'style', overlayBoxStyle(getRect(el), getRect(parts.host), 4));
  setTimer(() => detach(flash), FLASH_MS);
};

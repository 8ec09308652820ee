/*
 * Keeping the reader's place.
 *
 * Before patching, pick an anchor: the deepest source-built element at the
 * top edge of the viewport, not inside fixed or sticky boxes (they do not
 * move with content). After patching and running scripts, scroll by however
 * far it moved. Native scroll anchoring stays on: it applies its own
 * adjustment during the layout our measurement forces, so what we correct
 * is only the residual, and it still helps with changes the page's own
 * scripts make later.
 */
import {
  abs,
  bodyOf,
  computedPosition,
  doc,
  documentElementOf,
  elementsFromPoint,
  firstElementChildOf,
  getRect,
  headOf,
  innerHeightOf,
  innerWidthOf,
  isConnected,
  nextElementSiblingOf,
  nodeType,
  parentOf,
  rectBottom,
  rectHeight,
  rectTop,
  rectWidth,
  scrollBy,
  scrollYOf,
  win,
} from './intrinsics';
import { managed } from './patch';

export type AnchorChain = { el: Element; top: number }[];

const pinned = (el: Element): boolean => {
  const root = documentElementOf(doc);
  for (let e: Node | null = el; e !== null && e !== root && nodeType(e) === 1; e = parentOf(e)) {
    const position = computedPosition(e as Element);
    if (position === 'fixed' || position === 'sticky') return true;
  }
  return false;
};

const usable = (el: Element): boolean => {
  if (!managed.has(el) || !isConnected(el)) return false;
  if (el === documentElementOf(doc) || el === bodyOf(doc) || el === headOf(doc)) return false;
  const r = getRect(el);
  return rectWidth(r) > 0 || rectHeight(r) > 0;
};

const findAnchor = (): Element | null => {
  const width = innerWidthOf(win);
  const height = innerHeightOf(win);
  const xs = [width / 2, width / 4, (width * 3) / 4, 8];
  let best: Element | null = null;
  let bestHeight = Infinity;
  for (let k = 0; k < xs.length; k++) {
    const hits = elementsFromPoint(doc, xs[k], 1);
    // Top-most first; skip a fixed header and look at what is behind it.
    for (let i = 0; i < hits.length; i++) {
      const el = hits[i];
      if (!usable(el) || pinned(el)) continue;
      const h = rectHeight(getRect(el));
      if (h < bestHeight) {
        best = el;
        bestHeight = h;
      }
      break;
    }
  }
  if (best === null) best = bodyOf(doc);
  // Landed on a container in a gap, or a tall block: go down to the first
  // child that reaches below the top edge and starts within the viewport.
  for (let guard = 0; best !== null && guard < 64; guard++) {
    let next: Element | null = null;
    for (let c = firstElementChildOf(best); c !== null; c = nextElementSiblingOf(c)) {
      if (!usable(c)) continue;
      const r = getRect(c);
      if (rectBottom(r) <= 0 || pinned(c)) continue;
      if (rectTop(r) < height) next = c;
      break;
    }
    if (next === null) break;
    best = next;
  }
  return best;
};

/** The anchor plus fallbacks (next siblings, then ancestors), with their current tops. */
export const captureAnchor = (): AnchorChain | null => {
  if (scrollYOf(win) <= 0) return null; // at the very top, stay at the top
  const anchor = findAnchor();
  if (anchor === null) return null;
  const chain: AnchorChain = [];
  const push = (el: Element): void => {
    if (usable(el)) chain.push({ el, top: rectTop(getRect(el)) });
  };
  push(anchor);
  let sibling: Element | null = anchor;
  for (let k = 0; k < 3 && sibling !== null; k++) {
    sibling = nextElementSiblingOf(sibling);
    if (sibling !== null) push(sibling);
  }
  for (let e = parentOf(anchor); e !== null && nodeType(e) === 1; e = parentOf(e)) push(e as Element);
  return chain;
};

export const restoreAnchor = (chain: AnchorChain | null): void => {
  if (chain === null) return;
  for (let k = 0; k < chain.length; k++) {
    const entry = chain[k];
    if (!isConnected(entry.el)) continue;
    const delta = rectTop(getRect(entry.el)) - entry.top;
    if (abs(delta) >= 0.5) scrollBy(0, delta);
    return;
  }
};

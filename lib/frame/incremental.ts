/*
 * The incremental render: the frame's half of the delta protocol. The page
 * source is kept as a rope (source/rope.ts) with parse5 positions
 * (source/html-source.ts) paired with the vnode tree by a parallel walk; a
 * `patch` edits the rope, and at the next animation frame only the safe
 * region around what changed is parsed (by the browser, in a document with
 * no browsing context, in the context of the region's parent element) and
 * morphed in with patchChildRange, through the same vnode builder and
 * patcher (and so the same guards) as a full render.
 */
import { HTML_NS, createElementNS, firstChildOf, nextSiblingOf, parseFromString, parser, setElementInnerHTML } from './intrinsics';
import { buildVnode } from './parse';
import type { DefaultTreeAdapterMap } from 'parse5';
import { patchChildRange, type RenderContext } from './patch';
import type { RegionUpdate, SourceNode } from './source/html-source';
import type { VNode } from './vnode';

type P5Node = DefaultTreeAdapterMap['node'];
type P5Element = DefaultTreeAdapterMap['element'];

const LINK_HINTS = ['preconnect', 'prefetch', 'prerender', 'dns-prefetch', 'preload', 'modulepreload'];

const attr = (el: P5Element, name: string): string | null => {
  for (let i = 0; i < el.attrs.length; i++) if (el.attrs[i].name === name && !el.attrs[i].namespace) return el.attrs[i].value;
  return null;
};

/** parse.ts's isNeutralised, read off a parse5 element: the nodes a render never inserts have no vnode. */
const isNeutralisedSource = (el: P5Element): boolean => {
  switch (el.tagName) {
    case 'base':
    case 'noscript':
    case 'iframe':
    case 'frame':
    case 'object':
    case 'embed':
    case 'fencedframe':
    case 'portal':
      return el.namespaceURI === HTML_NS;
    case 'meta': {
      const equiv = attr(el, 'http-equiv');
      return equiv !== null && equiv.trim().toLowerCase() === 'refresh';
    }
    case 'link': {
      const rel = (attr(el, 'rel') || '').toLowerCase().split(/\s+/);
      for (let i = 0; i < rel.length; i++) if (LINK_HINTS.indexOf(rel[i]) >= 0) return true;
      return false;
    }
    case 'script':
      return (attr(el, 'type') || '').trim().toLowerCase() === 'speculationrules';
    default:
      return false;
  }
};

/** Whether the position node (its ref still the parse5 node) has no vnode. */
const dropped = (position: SourceNode): boolean => {
  const node = position.ref as P5Node;
  return position.kind === 'element' && isNeutralisedSource(node as P5Element);
};

/**
 * Pairs positions with vnodes (ref := vnode; null for a dropped node).
 * False at the first disagreement: the two parsers built different trees.
 */
export const alignWithVnodes = (position: SourceNode, vnode: VNode): boolean => {
  const stack: [SourceNode, VNode][] = [[position, vnode]];
  while (stack.length > 0) {
    const [p, v] = stack.pop() as [SourceNode, VNode];
    const kind = p.kind === 'element' ? 1 : p.kind === 'text' ? 3 : p.kind === 'comment' ? 8 : 0;
    if (kind !== v.kind) return false;
    if (kind === 1 && (p.name !== v.name || p.ns !== v.ns)) return false;
    if (kind === 3 && (p.ref as DefaultTreeAdapterMap['textNode']).value !== v.text) return false;
    if (kind === 8 && (p.ref as DefaultTreeAdapterMap['commentNode']).data !== v.text) return false;
    p.ref = v;
    if (v.atomic || v.children === null) continue;
    let k = 0;
    for (let i = 0; i < p.children.length; i++) {
      const child = p.children[i];
      if (dropped(child)) {
        child.ref = null;
        continue;
      }
      if (k >= v.children.length) return false;
      stack.push([child, v.children[k++]]);
    }
    if (k !== v.children.length) return false;
  }
  return true;
};

let inertDocument: Document | null = null;

/** The vnodes for a region's new source, parsed by the browser in the context of the region's parent. */
const parseRegion = (update: RegionUpdate): VNode[] => {
  if (inertDocument === null) inertDocument = parseFromString(parser, '<!DOCTYPE html>', 'text/html');
  const context = createElementNS(inertDocument, HTML_NS, update.context);
  setElementInnerHTML(context, update.text);
  const out: VNode[] = [];
  for (let c = firstChildOf(context); c !== null; c = nextSiblingOf(c)) {
    const v = buildVnode(c);
    if (v !== null) out.push(v);
  }
  return out;
};

/** How many of `nodes` have a vnode. */
const counted = (nodes: readonly SourceNode[], from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) if (nodes[i].ref !== null) n++;
  return n;
};

/**
 * Morphs a region into the live page. False when it cannot (the positions
 * are not paired with vnodes there, or the browser's parse of the region
 * disagrees with parse5's): the caller renders the whole page.
 */
export const applyRegion = (update: RegionUpdate, ctx: RenderContext): VNode[] | null => {
  const parent = update.parent.ref as VNode | null;
  if (parent === null || parent.kind !== 1 || parent.atomic) return null;
  const ancestors: VNode[] = [];
  for (let p = update.parent.parent; p !== null; p = p.parent) {
    if (p.kind !== 'element') continue;
    const v = p.ref as VNode | null;
    if (v === null) return null;
    ancestors.push(v);
  }
  ancestors.reverse();
  // Before the splice the removed nodes had refs (vnodes or null for dropped ones).
  const from = counted(update.parent.children, 0, update.from);
  const to = from + counted(update.removed, 0, update.removed.length);
  if (to > (parent.children as VNode[]).length) return null;
  const replacement = parseRegion(update);
  // Pair the new positions (refs: parse5 nodes) with the browser's parse, before the patcher swaps in old equals.
  let k = 0;
  for (let i = 0; i < update.inserted.length; i++) {
    const p = update.inserted[i];
    if (dropped(p)) {
      p.ref = null;
      continue;
    }
    if (k >= replacement.length || !alignWithVnodes(p, replacement[k++])) return null;
  }
  if (k !== replacement.length) return null;
  const next = patchChildRange(parent, from, to, replacement, ctx, ancestors);
  // Exact matches were swapped for the old vnodes: point the positions at what the tree now holds.
  k = 0;
  for (let i = 0; i < update.inserted.length; i++) {
    const p = update.inserted[i];
    if (p.ref !== null) retarget(p, next[k++]);
  }
  return next;
};

/** Re-points already paired positions at an equal vnode subtree. */
const retarget = (position: SourceNode, vnode: VNode): void => {
  position.ref = vnode;
  if (vnode.atomic || vnode.children === null) return;
  let k = 0;
  for (let i = 0; i < position.children.length; i++) {
    const child = position.children[i];
    if (child.ref !== null && k < vnode.children.length) retarget(child, vnode.children[k++]);
  }
};

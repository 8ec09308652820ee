/*
 * Diff and patch: morph the live DOM from the previous vnode tree to the
 * new one through vnode.live, leaving nodes the artifact's scripts made
 * alone.
 */
import { declarativeMode } from './guards/realm';
import {
  doc,
  firstChildOf,
  getAttribute,
  getAttributeNodeNS,
  importNode,
  insertBefore,
  nextSiblingOf,
  parentOf,
  removeAttributeNS,
  removeChild,
  setAttributeNS,
  setAttributeNode,
  setData,
} from './intrinsics';
import { DIRTY_HASH } from './hash';
import { pairChildren } from './keying';
import type { VAttr, VNode } from './vnode';

/**
 * Per render: the new inline scripts, in document order, to run once the
 * DOM is in place, and the new declarative shadow templates, to turn into
 * shadow roots before they run.
 */
export interface RenderContext {
  scripts: VNode[];
  shadowTemplates: VNode[];
  /** An inline script of the old page was removed (or changed: a changed script is removed and built anew). */
  scriptsRemoved: boolean;
  /** Elements built from source by this render, and elements of the old page it removed (with their subtrees). */
  builtElements: number;
  removedElements: number;
}
export const newRenderContext = (): RenderContext => ({ scripts: [], shadowTemplates: [], scriptsRemoved: false, builtElements: 0, removedElements: 0 });

/** Elements in a vnode subtree (walks only what is being removed). */
const countElements = (v: VNode): number => {
  if (v.kind !== 1) return 0;
  let n = 1;
  if (v.atomic || v.children === null) return n;
  const kids = v.children;
  for (let i = 0; i < kids.length; i++) n += countElements(kids[i]);
  return n;
};

/** An inline script: one the frame runs (external ones stay inert). */
const isInlineScript = (v: VNode): boolean => {
  if (v.kind !== 1 || v.name !== 'script') return false;
  const attrs = v.attrs as VAttr[];
  for (let i = 0; i < attrs.length; i++) if (attrs[i].ns === null && attrs[i].local === 'src') return false;
  return true;
};

/** Whether a subtree holds an inline script (walks only what is being removed). */
const holdsScript = (v: VNode): boolean => {
  if (v.kind !== 1) return false;
  if (isInlineScript(v)) return true;
  if (v.atomic) return false;
  const kids = v.children as VNode[];
  for (let i = 0; i < kids.length; i++) if (holdsScript(kids[i])) return true;
  return false;
};

/** Live nodes built from source; everything else in the document belongs to the artifact's scripts. */
export const managed = new WeakSet<Node>();

export const setAttr = (live: Element, attr: VAttr, srcEl: Node | null): void => {
  try {
    setAttributeNS(live, attr.ns, attr.qname, attr.value);
  } catch {
    // The parser accepts names setAttribute refuses (`@click`, `x:y` with no
    // namespace). Copying the parsed Attr node skips the name check.
    const node = srcEl ? getAttributeNodeNS(srcEl as Element, attr.ns, attr.local) : null;
    if (node) setAttributeNode(live, importNode(doc, node, false));
  }
};

/** Source wins for attributes the source names; attributes only a script set are left alone. */
export const morphAttrs = (live: Element, oldAttrs: readonly VAttr[], newAttrs: readonly VAttr[], srcEl: Node | null): void => {
  const before = new Map<string, string>();
  for (let i = 0; i < oldAttrs.length; i++) before.set(`${oldAttrs[i].ns}|${oldAttrs[i].local}`, oldAttrs[i].value);
  const after = new Set<string>();
  for (let i = 0; i < newAttrs.length; i++) {
    const attr = newAttrs[i];
    const key = `${attr.ns}|${attr.local}`;
    after.add(key);
    if (before.get(key) !== attr.value) setAttr(live, attr, srcEl);
  }
  for (let i = 0; i < oldAttrs.length; i++) {
    const attr = oldAttrs[i];
    if (!after.has(`${attr.ns}|${attr.local}`)) removeAttributeNS(live, attr.ns, attr.local);
  }
};

/**
 * Points vnode v and its descendants at `live`, a deep copy of v.src. The
 * copy also holds the parsed nodes the vnode tree left out (neutralised
 * elements): those are dropped here. Inline scripts are queued to run.
 */
const adoptCopy = (v: VNode, live: Node, ctx: RenderContext): void => {
  v.live = live;
  managed.add(live);
  if (v.kind !== 1) return;
  ctx.builtElements += 1;
  if (v.name === 'script') {
    // The copy of a parsed <script> is marked "already started", so it
    // stays inert. Inline ones are run later, in order, by a fresh element;
    // external ones stay inert for good (CSP would block them anyway).
    if (getAttribute(live as Element, 'src') === null) ctx.scripts.push(v);
    return;
  }
  if (v.atomic) {
    if (declarativeMode(live as Element) !== null) ctx.shadowTemplates.push(v);
    return;
  }
  const kids = v.children as VNode[];
  let k = 0;
  let src = firstChildOf(v.src as Node);
  let copy = firstChildOf(live);
  while (copy !== null) {
    const nextCopy = nextSiblingOf(copy);
    if (k < kids.length && kids[k].src === src) adoptCopy(kids[k++], copy, ctx);
    else removeChild(live, copy);
    src = src === null ? null : nextSiblingOf(src);
    copy = nextCopy;
  }
};

/**
 * Creates the live subtree for a new vnode: one native deep copy (much
 * cheaper than a node at a time), then a walk to map vnodes onto it.
 * importNode keeps attribute names the parser allowed and setAttribute
 * would refuse (`@click`).
 */
export const buildLive = (v: VNode, ctx: RenderContext): Node => {
  const live = importNode(doc, v.src as Node, true);
  adoptCopy(v, live, ctx);
  return live;
};

export const detach = (node: Node | null | undefined): void => {
  const parent = node ? parentOf(node) : null;
  if (parent !== null) removeChild(parent, node as Node);
};

const attachedTo = (node: Node | null | undefined, parent: Node): node is Node =>
  node !== null && node !== undefined && parentOf(node) === parent;

/**
 * Makes the live children of `live` that were built for a[] match b[]
 * (b is updated in place: exact matches keep the old vnode). A new node
 * goes before the next matched sibling that is still in place, else right
 * after the previous one, else before `end`. For a whole child list
 * `after` and `end` are null (so: append); for a range of it they are the
 * live nodes around the range.
 */
const patchList = (a: VNode[], b: VNode[], live: Node, after: Node | null, end: Node | null, ctx: RenderContext): void => {
  const { matchOf, exact } = pairChildren(a, b);
  const used = new Uint8Array(a.length);
  for (let j = 0; j < b.length; j++) if (matchOf[j] >= 0) used[matchOf[j]] = 1;
  for (let i = 0; i < a.length; i++) {
    if (used[i]) continue;
    if (!ctx.scriptsRemoved && holdsScript(a[i])) ctx.scriptsRemoved = true;
    ctx.removedElements += countElements(a[i]);
    detach(a[i].live);
  }

  // Insertion points: before the live node of the next matched sibling that
  // is still where we put it, else after the previous sibling, else append.
  const nextRef: (Node | null)[] = new Array<Node | null>(b.length);
  let ref: Node | null = end;
  for (let j = b.length - 1; j >= 0; j--) {
    nextRef[j] = ref;
    const i = matchOf[j];
    if (i >= 0 && attachedTo(a[i].live, live)) ref = a[i].live;
  }
  let prevLive: Node | null = attachedTo(after, live) ? after : null;
  for (let j = 0; j < b.length; j++) {
    const i = matchOf[j];
    if (i >= 0 && exact[j]) {
      b[j] = a[i]; // identical subtree: keep the old vnode and its live nodes
    } else if (i >= 0) {
      const x = a[i];
      const y = b[j];
      y.live = x.live;
      if (y.kind !== 1) {
        if (x.text !== y.text && y.live) setData(y.live as CharacterData, y.text);
      } else if (y.live) {
        morphAttrs(y.live as Element, x.attrs as VAttr[], y.attrs as VAttr[], y.src);
        patchChildren(x, y, y.live, ctx);
      }
    } else {
      const node = buildLive(b[j], ctx);
      let before = nextRef[j];
      if (!attachedTo(before, live)) before = attachedTo(prevLive, live) ? nextSiblingOf(prevLive) : end !== null && attachedTo(end, live) ? end : null;
      insertBefore(live, node, before);
    }
    if (attachedTo(b[j].live, live)) prevLive = b[j].live;
  }
};

/** Makes the children of live (built for oldV) match newV.children. */
export const patchChildren = (oldV: VNode, newV: VNode, live: Node, ctx: RenderContext): void => {
  patchList(oldV.children as VNode[], newV.children as VNode[], live, null, null, ctx);
};

/**
 * Marks a vnode whose subtree changed in place: its hash becomes one no
 * fresh hash can equal (so a later full render never takes it for an
 * unchanged subtree and skips it), and its cached text sample is dropped.
 */
const markDirty = (v: VNode): void => {
  v.hash = DIRTY_HASH;
  v.sample = null;
};

/**
 * The patcher's range form, for renders that re-parse only part of the
 * page: morphs `parent.children[from..to)` into `replacement` (new live
 * nodes go before the live node of `parent.children[to]`, or after that of
 * `parent.children[from - 1]`, or at the end), splices `parent.children`,
 * and marks `parent` and every vnode in `ancestors` (the path from the root
 * down to parent's parent) dirty. New inline scripts and declarative shadow
 * templates are collected in `ctx` exactly as a full render does; finish
 * with finishRender(ctx, replacement) (render.ts).
 *
 * `replacement` vnodes must come from a parse (their `src` set); exact
 * matches in it are swapped for the old vnodes, as in a full render, so
 * read the result back from `parent.children`.
 */
export const patchChildRange = (
  parent: VNode,
  from: number,
  to: number,
  replacement: readonly VNode[],
  ctx: RenderContext,
  ancestors: readonly VNode[] = [],
): VNode[] => {
  const kids = parent.children;
  if (parent.kind !== 1 || parent.atomic || kids === null || parent.live === null) {
    throw new TypeError('patchChildRange: the parent must be a live, non-atomic element vnode');
  }
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from <= to && to <= kids.length)) {
    throw new RangeError(`patchChildRange: [${from}, ${to}) is not a range of ${kids.length} children`);
  }
  const after = from > 0 ? kids[from - 1].live : null;
  const end = to < kids.length ? kids[to].live : null;
  const next = replacement.slice();
  patchList(kids.slice(from, to), next, parent.live, after, end, ctx);
  kids.splice(from, to - from, ...next);
  markDirty(parent);
  for (let i = 0; i < ancestors.length; i++) markDirty(ancestors[i]);
  return next;
};

/*
 * Rendering: state, coalescing, applying.
 */
import { describe, metrics, post, reportError } from './channel';
import { declarativeMode, declareShadowRoot } from './guards/realm';
import { SEED_ELEMENT, mixIn, mixOut, nameHash, newMix } from './hash';
import {
  HTML_NS,
  bodyOf,
  cancelRaf,
  compareDocumentPosition,
  clearTimer,
  doc,
  documentElementOf,
  firstChildOf,
  headOf,
  isConnected,
  nextSiblingOf,
  parentOf,
  raf,
  removeChild,
  setTimer,
} from './intrinsics';
import { captureAnchor, restoreAnchor } from './keep-place';
import { afterRender } from './overlay/layout';
import { parseSource, releaseSources } from './parse';
import { managed, morphAttrs, newRenderContext, patchChildren, type RenderContext } from './patch';
import { fireLoadEvents, runScripts } from './scripts';
import { alignWithVnodes, applyRegion } from './incremental';
import { HtmlSource } from './source/html-source';
import type { DeltaOp } from '../sandbox/limits';
import { newVnode, type VAttr, type VNode } from './vnode';

/** The tree the live document was last built from; starts as the empty frame page. */
let tree: VNode | null = null;
let lastRev = -1;
/**
 * The next render to apply: `whole` for a full render (of `html` as sent, or of the source when patches
 * followed it), else only what patches changed.
 */
let pending: { rev: number; whole: boolean; html: string | null } | null = null;
/** The page source as the last `render` and the `patch`es since left it (null before the first render). */
let source: HtmlSource | null = null;
/** The text of the last full render, until its positions are computed and paired with the tree. */
let unpaired: string | null = null;
let positionsTimer = 0;
let frameId = 0;
let fallbackTimer = 0;
/** The last inline script of the page in document order (null: none), to tell appended scripts from a new program. */
let lastScript: VNode | null = null;
/** Elements built from source that the page holds now (what renders built, less what they removed). */
let pageElements = 0;
/** Node.DOCUMENT_POSITION_FOLLOWING. */
const DOCUMENT_POSITION_FOLLOWING = 4;

const emptyElement = (name: string, live: Node, children: VNode[]): VNode => {
  const v = newVnode(1, null);
  v.ns = HTML_NS;
  v.name = name;
  v.attrs = [];
  v.children = children;
  v.live = live;
  // Same hash as buildVnode gives the parsed empty element.
  const mix = newMix(SEED_ELEMENT);
  mixIn(mix, nameHash(HTML_NS, name));
  for (let i = 0; i < children.length; i++) mixIn(mix, children[i].hash);
  v.hash = mixOut(mix);
  managed.add(live);
  return v;
};
const emptyTree = (): VNode =>
  emptyElement('html', documentElementOf(doc) as Node, [
    emptyElement('head', headOf(doc) as Node, []),
    emptyElement('body', bodyOf(doc) as Node, []),
  ]);

const applyTree = (next: VNode): RenderContext => {
  const current = tree as VNode;
  const ctx = newRenderContext();
  next.live = current.live;
  morphAttrs(next.live as Element, current.attrs as VAttr[], next.attrs as VAttr[], next.src);
  patchChildren(current, next, next.live as Node, ctx);
  tree = next;
  return ctx;
};

/**
 * What every render does once the DOM is patched: shadow roots, scripts,
 * load events. `roots` are the vnode subtrees this render built (the whole
 * tree, or the replacement of patchChildRange): their parsed-node
 * references are dropped once the scripts have run.
 */
export const finishRender = (ctx: RenderContext, roots: readonly VNode[]): void => {
  pageElements += ctx.builtElements - ctx.removedElements;
  if (pageElements < 0) pageElements = 0;
  // A declarative template stays in the light tree as the source node it
  // was built from (hidden, as templates are); its root is made, or
  // refilled when the template changed, through the realm guard.
  for (let i = 0; i < ctx.shadowTemplates.length; i++) {
    const t = ctx.shadowTemplates[i].live as HTMLTemplateElement;
    if (parentOf(t) !== null) declareShadowRoot(t, declarativeMode(t) as ShadowRootMode, true);
  }
  // Scripts run after the whole document is in place, as if at the end
  // of parsing, so they can find every element they expect.
  runScripts(ctx.scripts);
  // Scripts are collected in document order; the last new one is the page's last unless it went before an old one.
  if (ctx.scripts.length > 0) {
    const newest = ctx.scripts[ctx.scripts.length - 1];
    if (lastScript === null || lastScript.live === null || !isConnected(lastScript.live)) lastScript = newest;
    else if (newest.live !== null && compareDocumentPosition(lastScript.live, newest.live) & DOCUMENT_POSITION_FOLLOWING) lastScript = newest;
  }
  for (let i = 0; i < roots.length; i++) releaseSources(roots[i]);
  if (ctx.scripts.length > 0) fireLoadEvents();
};

/**
 * Whether this render changed the page's program rather than its content:
 * an inline script was removed or changed, or a new one comes before a
 * script the page already ran. Scripts only appended after all the others
 * (a page streamed top to bottom) are not a new program: they run on the
 * page as it stands, as in a page still loading. See docs/ARCHITECTURE.md,
 * "What survives a render".
 */
export const isNewProgram = (ctx: RenderContext): boolean => {
  if (ctx.scriptsRemoved) return true;
  // Most of the page replaced under the same scripts: what they set up at load
  // (listeners on elements, state kept on them) was on nodes that are gone, so
  // the page is rebuilt and its scripts run on the new one, as on a reload.
  if (lastScript !== null && pageElements > 0 && 2 * ctx.removedElements > pageElements) return true;
  if (ctx.scripts.length === 0 || lastScript === null || lastScript.live === null || !isConnected(lastScript.live)) return false;
  // New scripts are collected in document order: the first must follow the last old one.
  const first = ctx.scripts[0].live as Node;
  return (compareDocumentPosition(lastScript.live, first) & DOCUMENT_POSITION_FOLLOWING) === 0;
};

/**
 * Drops everything in the page (the nodes built from source and what the
 * page's scripts made) and builds `html` afresh: the document a reload would
 * give, whose scripts then all run again. Loupe's overlay lives outside
 * <head> and <body> and stays.
 */
const rebuild = (html: string): RenderContext => {
  const live = (tree as VNode).live;
  const head = headOf(doc) as Node;
  const body = bodyOf(doc) as Node;
  for (let c = firstChildOf(head); c !== null; ) {
    const n = nextSiblingOf(c);
    if (managed.has(c)) removeChild(head, c);
    c = n;
  }
  for (let c = firstChildOf(body); c !== null; ) {
    const n = nextSiblingOf(c);
    removeChild(body, c);
    c = n;
  }
  tree = emptyTree();
  tree.live = live;
  lastScript = null;
  pageElements = 0;
  return applyTree(parseSource(html));
};

const applyRender = (html: string): void => {
  const next = parseSource(html);
  const anchor = captureAnchor();
  let ctx: RenderContext;
  try {
    ctx = applyTree(next);
    // What the old program made cannot be trusted once the program changes:
    // the page is rebuilt and every script runs again, as on a reload.
    if (isNewProgram(ctx)) ctx = rebuild(html);
  } catch (err) {
    // A half-applied patch leaves the tree and the document out of step.
    // Start again from an empty page (scripts will run again: better than
    // a page that no longer matches its source).
    reportError(`Loupe could not patch the page, rebuilding it: ${describe(err)}`);
    ctx = rebuild(html);
  }
  finishRender(ctx, [tree as VNode]);
  restoreAnchor(anchor);
};

/**
 * Positions for the last full render (a parse5 parse: the slow part, so it
 * runs only when a patch first needs them), paired with the vnode tree. When the
 * two parsers disagree, the positions stay unset and every change is a full
 * render until the next one.
 */
const pairPositions = (): void => {
  if (positionsTimer) clearTimer(positionsTimer);
  positionsTimer = 0;
  const text = unpaired;
  unpaired = null;
  if (text === null || source === null || tree === null) return;
  try {
    const positions = source.computePositions(text);
    void positions;
    const root = source.root;
    let html = null;
    if (root !== null) for (let i = 0; i < root.children.length; i++) if (root.children[i].name === 'html') html = root.children[i];
    if (html === null || !alignWithVnodes(html, tree)) source.markRendered();
  } catch (err) {
    source.markRendered();
    reportError(`Loupe could not index the page for live updates: ${describe(err)}`);
  }
};

/** The whole page again, from the source the frame holds. */
const renderWhole = (html: string): void => {
  // Positions describe the tree being replaced: drop them first, so a failed render leaves none.
  source?.markRendered();
  unpaired = null;
  applyRender(html);
  schedulePositions(html);
};

/**
 * Keeps the text of the page just rendered whole for the positions pass,
 * which runs when the first patch needs it (`renderChange`), not now: the
 * pass is a full parse5 parse (about a second per MiB) that holds the main
 * thread, and a page nobody edits while it is read (most views) never pays
 * it. Changes that arrive meanwhile are recorded against this text.
 */
const schedulePositions = (html: string): void => {
  if (source === null) return;
  if (positionsTimer) clearTimer(positionsTimer);
  positionsTimer = 0;
  unpaired = html;
};

/** Only what patches changed; false when that needs a full render. */
const renderChange = (): boolean => {
  if (source === null) return false;
  if (unpaired !== null) pairPositions();
  const update = source.update();
  if (update === 'clean') return true;
  if (update === null) return false;
  const anchor = captureAnchor();
  const ctx = newRenderContext();
  const next = applyRegion(update, ctx);
  if (next === null) return false;
  if (isNewProgram(ctx)) {
    // The same rule as a full render: a patch that removes, changes or puts a
    // script before the ones that ran is a new program, so the page is rebuilt
    // from source and every script runs again (the region's scripts do not run
    // on their own first).
    const html = (source as HtmlSource).rope.toString();
    source.markRendered();
    unpaired = null;
    finishRender(rebuild(html), [tree as VNode]);
    restoreAnchor(anchor);
    schedulePositions(html);
    return true;
  }
  finishRender(ctx, next);
  restoreAnchor(anchor);
  return true;
};

const flush = (): void => {
  if (frameId) cancelRaf(frameId);
  if (fallbackTimer) clearTimer(fallbackTimer);
  frameId = 0;
  fallbackTimer = 0;
  if (tree === null) return; // not started yet; start() flushes
  const job = pending;
  pending = null;
  if (job === null) return;
  try {
    let done = false;
    if (!job.whole) {
      try {
        done = renderChange();
      } catch (err) {
        reportError(`Loupe could not update part of the page, rendering it whole: ${describe(err)}`);
      }
    }
    if (!done) renderWhole(job.html ?? (source as HtmlSource).rope.toString());
  } catch (err) {
    reportError(`Loupe could not render the page: ${describe(err)}`);
  }
  const m = metrics();
  post({ type: 'rendered', rev: job.rev, scrollY: m.scrollY, scrollHeight: m.scrollHeight, viewportHeight: m.viewportHeight });
  try {
    afterRender();
  } catch (err) {
    reportError(`Loupe could not place review pins: ${describe(err)}`);
  }
};

/**
 * Only the newest rev is applied, at the next animation frame. The timer
 * is a fallback for frames the browser is not painting (offscreen or in a
 * background tab), where requestAnimationFrame would wait indefinitely.
 */
export const requestRender = (rev: number, html: string): void => {
  if (rev <= lastRev) return;
  lastRev = rev;
  source = HtmlSource.unparsed(html);
  unpaired = null;
  pending = { rev, whole: true, html };
  schedule();
};

const schedule = (): void => {
  if (!frameId) frameId = raf(flush);
  if (!fallbackTimer) fallbackTimer = setTimer(flush, 250);
};

/**
 * A `patch`: applied to the source now, rendered at the next animation frame
 * (with any others that arrive before it). One the frame cannot apply (not
 * based on its revision, or not fitting its source) asks the app for the
 * whole page.
 */
export const requestPatch = (rev: number, base: number, ops: readonly DeltaOp[], length: number): void => {
  if (source === null || base !== lastRev || !source.apply(ops, length)) {
    post({ type: 'resync', have: source === null ? -1 : lastRev });
    return;
  }
  lastRev = rev;
  // A full render still pending renders the patched source instead of the text it was sent.
  pending = { rev, whole: pending !== null && pending.whole, html: null };
  schedule();
};

/** Starts rendering: from now on the live document is the tree a render morphs. */
export const startRendering = (): void => {
  tree = emptyTree();
};

/** Applies a render that arrived before start. */
export const flushPending = (): void => {
  if (pending !== null) flush();
};

/** The tree the live document was last built from (null before start). */
export const currentTree = (): VNode | null => tree;

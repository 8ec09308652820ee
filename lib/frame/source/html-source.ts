/**
 * The incremental HTML engine of the frame: the page source (a rope), where
 * each node of the page came from in it (parse5 source positions), and the
 * rule that decides which part of the page a change can be re-parsed on its
 * own. Pure: no DOM, so it is tested in Node against parse5's full parse.
 *
 * After a change, the smallest *safe region* around it is re-parsed instead
 * of the page:
 * - an element E that contains the change between its start and end tags
 *   (both written in the source), whose name and every ancestor's name are in
 *   ALLOWLIST: elements that do not change how their content parses;
 * - a run of whole children of E covering the change, widened over adjacent
 *   text (it would merge) and over elements whose end tag was implied (the
 *   next token closed them);
 * - the new text of the run is parsed as a fragment in E's context and must be
 *   balanced: no parse error, every top-level element closed by its own end
 *   tag (or void), no formatting element or form closed by anything but its
 *   own end tag (they would stay active and reopen in what follows), no node
 *   out of source order (a reconstructed or foster-parented node), no <html>
 *   or <body> tag (their attributes go to the page's own elements);
 * - nothing before the region may have left such state behind either: the
 *   first place in the page where it could have is the `hazard` offset, and a
 *   region must end before it; a page in quirks mode has its hazard at 0.
 * Failing any of this, the run becomes E itself in E's parent (a few levels),
 * then the caller falls back to a full render.
 *
 * Offsets are UTF-16 code units. Node positions are kept relative to the
 * parent's start, so a change shifts only the following siblings of the
 * changed run and of its ancestors, never every later node of the page.
 */
import { Parser, defaultTreeAdapter, parse, type DefaultTreeAdapterMap, type ParserOptions, type Token } from 'parse5';
import type { DeltaOp } from '../../sandbox/limits';
import { Rope } from './rope';

type P5Node = DefaultTreeAdapterMap['node'];
type P5Parent = DefaultTreeAdapterMap['parentNode'];
type P5Element = DefaultTreeAdapterMap['element'];
type P5Fragment = DefaultTreeAdapterMap['documentFragment'];
type P5Document = DefaultTreeAdapterMap['document'];

const HTML_NS = 'http://www.w3.org/1999/xhtml';

/**
 * Elements that may hold a re-parsed run: their content parses the same
 * whatever it is, and all are "special" in the HTML parser (an unknown end
 * tag stops at them).
 */
export const ALLOWLIST: ReadonlySet<string> = new Set([
  'body', 'div', 'section', 'article', 'main', 'header', 'footer', 'nav', 'aside', 'ul', 'ol', 'dl', 'menu',
  'blockquote', 'figure', 'figcaption', 'details', 'summary', 'fieldset', 'address', 'center', 'hgroup',
  'search', 'dialog',
]);
/** Elements above E that are fine too (the page's root). */
const ROOT_ANCESTORS: ReadonlySet<string> = new Set(['html']);

const VOID: ReadonlySet<string> = new Set([
  'area', 'base', 'basefont', 'bgsound', 'br', 'col', 'embed', 'frame', 'hr', 'image', 'img', 'input', 'keygen',
  'link', 'meta', 'param', 'source', 'track', 'wbr',
]);
/** Elements that stay "active" when something else closes them, and are reopened later (the adoption agency). */
const LINGERING: ReadonlySet<string> = new Set([
  'a', 'b', 'big', 'code', 'em', 'font', 'i', 'nobr', 's', 'small', 'strike', 'strong', 'tt', 'u', 'form',
]);
/** Elements the parser makes without a tag in the source. */
const IMPLIED: ReadonlySet<string> = new Set(['html', 'head', 'body', 'tbody', 'tr', 'colgroup', 'p']);

/** How many levels a region is widened before giving up. */
const MAX_WIDEN = 3;
/** Deeper pages are rendered whole (the position tree is built recursively). */
const MAX_DEPTH = 400;

/** Where one node of the page came from in the source. */
export interface SourceNode<R = unknown> {
  kind: 'document' | 'element' | 'text' | 'comment' | 'doctype';
  /** Tag name for elements ('' otherwise), as parse5 (and the DOM's localName) has it. */
  name: string;
  /** Namespace URI for elements, '' otherwise. */
  ns: string;
  /** Offset of the node's first code unit, relative to the parent's start (the document's is 0). */
  start: number;
  length: number;
  /** Elements: where the content starts, relative to `start`; -1 when the start tag was implied. */
  contentStart: number;
  /** Elements: where the explicit end tag starts, relative to `start`; -1 when the end was implied. */
  contentEnd: number;
  parent: SourceNode<R> | null;
  children: SourceNode<R>[];
  /** The consumer's node for this one (the parse5 node it was built from, until the consumer sets its own). */
  ref: R;
}

/** A change made to the page by `update`: `parent.children[from..to)` was replaced. */
export interface RegionUpdate {
  parent: SourceNode;
  from: number;
  to: number;
  /** The new children (already in `parent.children`, with refs to the parse5 nodes of `fragment`). */
  inserted: SourceNode[];
  /** The children they replaced (their refs are the consumer's nodes for them). */
  removed: SourceNode[];
  /** The parsed fragment: its child nodes are the new children, in order. */
  fragment: P5Fragment;
  /** The new source of the run, and where it starts in the page. */
  text: string;
  offset: number;
  /** The tag name of the context E it was parsed in. */
  context: string;
}

interface Dirty {
  /** The changed range in the positions' coordinates ([from, toOld)) and in the current text ([from, toNew)). */
  from: number;
  toOld: number;
  toNew: number;
}

/**
 * Parse errors that only concern one token and leave the tree builder as it
 * was: a fragment with them parses as the same text does in the page. Errors
 * at the end of input (a tag, comment or script running past the region) and
 * the tree builder's errors (a stray or misnested end tag) are not.
 */
const HARMLESS_ERRORS: ReadonlySet<string> = new Set([
  'control-character-in-input-stream', 'noncharacter-in-input-stream', 'surrogate-in-input-stream',
  'non-void-html-element-start-tag-with-trailing-solidus', 'end-tag-with-attributes', 'end-tag-with-trailing-solidus',
  'unexpected-solidus-in-tag', 'unexpected-null-character', 'unexpected-question-mark-instead-of-tag-name',
  'invalid-first-character-of-tag-name', 'unexpected-equals-sign-before-attribute-name', 'missing-end-tag-name',
  'unexpected-character-in-attribute-name', 'unknown-named-character-reference', 'missing-semicolon-after-character-reference',
  'unexpected-character-in-unquoted-attribute-value', 'missing-attribute-value', 'missing-whitespace-between-attributes',
  'cdata-in-html-content', 'incorrectly-opened-comment', 'nested-comment', 'abrupt-closing-of-empty-comment',
  'incorrectly-closed-comment', 'absence-of-digits-in-numeric-character-reference', 'null-character-reference',
  'surrogate-character-reference', 'character-reference-outside-unicode-range', 'control-character-reference',
  'noncharacter-character-reference', 'duplicate-attribute',
]);

const parseOptions = (onError: (error: { code: string }) => void): ParserOptions<DefaultTreeAdapterMap> => ({
  sourceCodeLocationInfo: true,
  // DOMParser documents have scripting disabled: <noscript> content is parsed as markup.
  scriptingEnabled: false,
  onParseError: onError,
});

export class HtmlSource {
  readonly rope: Rope;
  /** The positions, or null until `computePositions` (then `update` always asks for a full render). */
  root: SourceNode | null = null;
  /** The first offset at or after which parsing may carry state to what follows (see the file comment). */
  hazard = 0;
  private dirty: Dirty | null = null;

  private constructor(text: string) {
    this.rope = new Rope(text);
  }

  /** A full parse of `text`; the returned document is what the positions describe. */
  static parse(text: string): { source: HtmlSource; document: P5Document } {
    const source = new HtmlSource(text);
    const document = source.reset(text);
    return { source, document };
  }

  /** The text alone, without positions yet (a full render is due; positions can follow later). */
  static unparsed(text: string): HtmlSource {
    return new HtmlSource(text);
  }

  /** A full render: positions from a full parse of the current text (or of `text`, which must equal it). */
  reset(text = this.rope.toString()): P5Document {
    this.markRendered();
    return this.computePositions(text);
  }

  /** The page was just rendered whole from the current text: changes count from here. */
  markRendered(): void {
    this.dirty = null;
    this.root = null;
  }

  /**
   * Positions from a full parse of `rendered`, the text of the last full
   * render. It may run later than the render (it is the slow part): changes
   * since then were recorded against that text, so they still apply.
   */
  computePositions(rendered: string): P5Document {
    const document = parse(rendered, parseOptions(() => {}));
    const scan = { hazard: Infinity };
    const root = buildTree(document, scan, 0);
    root.start = 0;
    root.length = rendered.length;
    this.root = root;
    this.hazard = document.mode === 'quirks' ? 0 : scan.hazard;
    return document;
  }

  /**
   * Applies a delta to the text and remembers what changed until `update`.
   * False (nothing changed) when it does not fit the text or its length.
   */
  apply(ops: readonly DeltaOp[], expectedLength: number): boolean {
    return this.rope.apply(ops, expectedLength, (at, removed, inserted) => this.noteEdit(at, removed, inserted));
  }

  /** Whether text changed since the last `update` or `reset`. */
  get isDirty(): boolean {
    return this.dirty !== null;
  }

  private noteEdit(at: number, removed: number, inserted: number): void {
    const d = this.dirty;
    if (d === null) {
      this.dirty = { from: at, toOld: at + removed, toNew: at + inserted };
      return;
    }
    // The affected span in the current text, before this edit, and what it maps to in the positions.
    const end = Math.max(d.toNew, at + removed);
    this.dirty = {
      from: Math.min(d.from, at),
      toOld: end - (d.toNew - d.toOld),
      toNew: end + inserted - removed,
    };
  }

  /**
   * Re-parses the smallest safe region around what changed and splices it
   * into the positions. Null: no safe region (render the whole page, then
   * `reset`); 'clean': nothing changed.
   */
  update(): RegionUpdate | 'clean' | null {
    const d = this.dirty;
    if (d === null) return 'clean';
    const root = this.root;
    if (root === null) return null;
    const plan = this.plan(d, root);
    if (plan === null) return null;
    this.dirty = null;
    return this.commit(plan, d.toNew - d.toOld);
  }

  private plan(d: Dirty, root: SourceNode): Plan | null {
    const shift = d.toNew - d.toOld;
    if (d.toOld > this.hazard) return null;
    // The deepest allowlisted element whose content holds the change.
    let node = root;
    let nodeStart = 0;
    for (;;) {
      const index = childAt(node, nodeStart, d.from);
      if (index < 0) break;
      const child = node.children[index];
      const childStart = nodeStart + child.start;
      if (child.kind !== 'element' || child.ns !== HTML_NS) break;
      if (ROOT_ANCESTORS.has(child.name)) {
        if (d.toOld > childStart + child.length) break;
      } else {
        if (!ALLOWLIST.has(child.name)) break;
        const bounds = contentBounds(child, childStart);
        if (bounds === null || d.from < bounds[0] || d.toOld > bounds[1]) break;
      }
      node = child;
      nodeStart = childStart;
    }
    if (node.kind !== 'element' || !ALLOWLIST.has(node.name)) return null;
    let e = node;
    let eStart = nodeStart;
    let run = runAround(e, eStart, d.from, d.toOld);
    for (let level = 0; level <= MAX_WIDEN; level++) {
      const plan = this.tryRun(e, eStart, run, shift);
      if (plan !== null) return plan;
      // Widen: E itself becomes the run, in its parent.
      const up = e.parent;
      if (up === null || up.kind !== 'element' || !ALLOWLIST.has(up.name)) return null;
      const upStart = eStart - e.start;
      const index = up.children.indexOf(e);
      run = widen(up, upStart, index, index + 1, { start: d.from, end: d.toOld });
      e = up;
      eStart = upStart;
    }
    return null;
  }

  /** The run [from, to) of E's children, re-parsed; null when the result would not be the full parse's. */
  private tryRun(e: SourceNode, eStart: number, initial: Run, shift: number): Plan | null {
    const bounds = contentBounds(e, eStart);
    if (bounds === null) return null;
    let run = initial;
    for (let attempt = 0; attempt < 4; attempt++) {
      if (run.start < bounds[0] || run.end > bounds[1] || run.end > this.hazard) return null;
      const newEnd = run.end + shift;
      // A CR LF pair split by the region's edge would be one newline in the full parse.
      if (this.rope.charCodeAt(run.start - 1) === 13 && this.rope.charCodeAt(run.start) === 10) return null;
      if (this.rope.charCodeAt(newEnd - 1) === 13 && this.rope.charCodeAt(newEnd) === 10) return null;
      const text = this.rope.slice(run.start, newEnd);
      if (/<frameset/i.test(text)) return null;
      const fragment = parseBalanced(e.name, text, openNames(e));
      if (fragment === null) return null;
      // Text at an edge of the fragment merges with a text neighbour in the full parse: take the neighbour in.
      const nodes = fragment.childNodes;
      const before = run.from > 0 ? e.children[run.from - 1] : null;
      const after = run.to < e.children.length ? e.children[run.to] : null;
      const firstIsText = nodes.length > 0 ? nodes[0].nodeName === '#text' : after !== null && after.kind === 'text';
      const lastIsText = nodes.length > 0 ? nodes[nodes.length - 1].nodeName === '#text' : before !== null && before.kind === 'text';
      const takeBefore = before !== null && before.kind === 'text' && firstIsText;
      const takeAfter = after !== null && after.kind === 'text' && lastIsText;
      if (!takeBefore && !takeAfter) {
        return { e, eStart, from: run.from, to: run.to, start: run.start, oldEnd: run.end, text, fragment };
      }
      run = widen(e, eStart, takeBefore ? run.from - 1 : run.from, takeAfter ? run.to + 1 : run.to, run);
    }
    return null;
  }

  private commit(plan: Plan, shift: number): RegionUpdate {
    const { e, eStart } = plan;
    const scan = { hazard: Infinity };
    const holder = buildTree(plan.fragment, scan, 0);
    // Fragment positions start at 0: make them relative to E.
    const inserted = holder.children;
    for (const child of inserted) {
      child.start += plan.start - eStart;
      child.parent = e;
    }
    const removed = e.children.splice(plan.from, plan.to - plan.from, ...inserted);
    for (let i = plan.from + inserted.length; i < e.children.length; i++) e.children[i].start += shift;
    // E and its ancestors grow by `shift`; their later siblings move by it.
    for (let node: SourceNode | null = e; node !== null; node = node.parent) {
      node.length += shift;
      if (node.contentEnd >= 0) node.contentEnd += shift;
      const parent = node.parent;
      if (parent === null) break;
      const index = parent.children.indexOf(node);
      for (let i = index + 1; i < parent.children.length; i++) parent.children[i].start += shift;
    }
    if (this.hazard !== Infinity && this.hazard >= plan.oldEnd) this.hazard += shift;
    return {
      parent: e,
      from: plan.from,
      to: plan.to,
      inserted,
      removed,
      fragment: plan.fragment,
      text: plan.text,
      offset: plan.start,
      context: e.name,
    };
  }
}

interface Run {
  /** Children [from, to) of E. */
  from: number;
  to: number;
  /** Their span in the positions' coordinates (absolute). */
  start: number;
  end: number;
}

interface Plan {
  e: SourceNode;
  eStart: number;
  from: number;
  to: number;
  start: number;
  oldEnd: number;
  text: string;
  fragment: P5Fragment;
}

/** The absolute [start, end] of an element's content, or null when it cannot hold a re-parsed run. */
function contentBounds(node: SourceNode, nodeStart: number): [number, number] | null {
  if (node.kind === 'document') return [0, node.length];
  if (node.contentStart >= 0 && node.contentEnd >= 0) return [nodeStart + node.contentStart, nodeStart + node.contentEnd];
  // An implied start or end tag (body and html, often): the run must not touch the first or last child,
  // where the implied tag is decided.
  if (node.children.length < 3) return null;
  const first = node.children[0];
  const last = node.children[node.children.length - 1];
  const lo = node.contentStart >= 0 ? nodeStart + node.contentStart : nodeStart + first.start + first.length;
  const hi = node.contentEnd >= 0 ? nodeStart + node.contentEnd : nodeStart + last.start;
  return lo <= hi ? [lo, hi] : null;
}

/** Index of the last child starting at or before `offset` (binary search), or -1. */
function childAt(node: SourceNode, nodeStart: number, offset: number): number {
  const children = node.children;
  let lo = 0;
  let hi = children.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (nodeStart + children[mid].start <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return -1;
  // Prefer the child whose span holds the whole change, not one that merely ends where it starts.
  return found;
}

/** The children of E touching [from, to], widened; null when the change is not among E's children. */
function runAround(e: SourceNode, eStart: number, from: number, to: number): Run {
  const children = e.children;
  let first = -1;
  let last = -1;
  for (let i = Math.max(0, childAt(e, eStart, from) - 1); i < children.length; i++) {
    const s = eStart + children[i].start;
    const end = s + children[i].length;
    if (s > to) break;
    if (end > from || (end === from && s === from) || (children[i].kind === 'element' && end === from && children[i].contentEnd < 0)) {
      if (first < 0) first = i;
      last = i;
    }
  }
  const at = childAt(e, eStart, from) + 1;
  const span = { start: from, end: to };
  return first < 0 ? widen(e, eStart, at, at, span) : widen(e, eStart, first, last + 1, span);
}

/**
 * Children [from, to) of `e`, widened over elements whose end was implied
 * (the next token closed them: that token may be what changed), covering at
 * least `span`.
 */
function widen(e: SourceNode, eStart: number, from: number, to: number, span: { start: number; end: number }): Run {
  const children = e.children;
  const open = (node: SourceNode) =>
    node.kind === 'element' && node.contentEnd < 0 && !(node.ns === HTML_NS && VOID.has(node.name));
  while (from > 0 && open(children[from - 1])) from -= 1;
  // A run that ends with an element whose end was implied also takes what closed it.
  while (to < children.length && to > from && open(children[to - 1])) to += 1;
  let start: number;
  let end: number;
  if (from < to) {
    start = eStart + children[from].start;
    end = eStart + children[to - 1].start + children[to - 1].length;
  } else {
    start = from > 0 ? eStart + children[from - 1].start + children[from - 1].length : contentStartOr(e, eStart);
    end = start;
  }
  return { from, to, start: Math.min(start, span.start), end: Math.max(end, span.end) };
}

function contentStartOr(e: SourceNode, eStart: number): number {
  return e.contentStart >= 0 ? eStart + e.contentStart : eStart;
}

/**
 * Parses `text` in the context of a `<context>` element; null unless it is
 * balanced (see the file comment).
 */
export function parseBalanced(context: string, text: string, open: ReadonlySet<string> = new Set([context, 'body', 'html'])): P5Fragment | null {
  let errors = 0;
  let adopted = false;
  const onError = (error: { code: string }) => {
    if (!HARMLESS_ERRORS.has(error.code)) errors += 1;
  };
  const treeAdapter = {
    ...defaultTreeAdapter,
    adoptAttributes(recipient: P5Element, attrs: Token.Attribute[]) {
      adopted = true;
      defaultTreeAdapter.adoptAttributes(recipient, attrs);
    },
  };
  const contextElement = defaultTreeAdapter.createElement(context, HTML_NS as P5Element['namespaceURI'], []);
  const parser = Parser.getFragmentParser(contextElement, { ...parseOptions(onError), treeAdapter });
  // End tags naming an element open around the region: in the page they would close it, in the fragment they are
  // ignored unless something inside matches them.
  const closers: number[] = [];
  const onEndTag = parser.onEndTag.bind(parser);
  parser.onEndTag = (token) => {
    if (open.has(token.tagName) && token.location) closers.push(token.location.startOffset);
    onEndTag(token);
  };
  parser.tokenizer.write(text, true);
  const fragment = parser.getFragment();
  if (errors > 0 || adopted) return null;
  // <body> and <html> tags are ignored in a fragment, but give the page's own elements their attributes.
  if (/<(?:body|html)[\s/>]/i.test(text)) return null;
  for (const child of fragment.childNodes) {
    if (!isElement(child)) continue;
    const location = child.sourceCodeLocation;
    if (!location) return null;
    if (!location.endTag && !(child.namespaceURI === HTML_NS && VOID.has(child.tagName))) return null;
  }
  if (closers.length > 0) {
    const matched = new Set<number>();
    collectEndTags(fragment, open, matched);
    if (closers.some((offset) => !matched.has(offset))) return null;
  }
  const scan = { hazard: Infinity };
  buildTree(fragment, scan, 0);
  return scan.hazard === Infinity ? fragment : null;
}

/** The offsets of the end tags that closed elements named in `names`. */
function collectEndTags(node: P5Node, names: ReadonlySet<string>, into: Set<number>): void {
  for (const child of childNodesOf(node)) {
    if (!isElement(child)) continue;
    const endTag = child.sourceCodeLocation?.endTag;
    if (endTag && names.has(child.tagName)) into.add(endTag.startOffset);
    collectEndTags(child, names, into);
  }
}

/** The names of E and the elements around it (an end tag naming one of them would close it). */
function openNames(e: SourceNode): Set<string> {
  const names = new Set(['body', 'html']);
  for (let node: SourceNode | null = e; node !== null; node = node.parent) if (node.kind === 'element') names.add(node.name);
  return names;
}

function isElement(node: P5Node): node is P5Element {
  return 'tagName' in node;
}

function childNodesOf(node: P5Node): P5Node[] {
  if (isElement(node) && node.tagName === 'template' && 'content' in node) {
    return (node as DefaultTreeAdapterMap['template']).content.childNodes;
  }
  return 'childNodes' in node ? (node as P5Parent).childNodes : [];
}

/**
 * The position tree of a parse5 tree, with `start` relative to the parent.
 * Notes in `scan.hazard` the first offset where the parse may carry state
 * forward (a lingering element closed by something else, a node out of order
 * or without a position that the parser does not imply).
 */
function buildTree(node: P5Node, scan: { hazard: number }, depth: number): SourceNode {
  const source: SourceNode = {
    kind: 'document',
    name: '',
    ns: '',
    start: 0,
    length: 0,
    contentStart: -1,
    contentEnd: -1,
    parent: null,
    children: [],
    ref: node,
  };
  const location = 'sourceCodeLocation' in node ? node.sourceCodeLocation : undefined;
  if (isElement(node)) {
    source.kind = 'element';
    source.name = node.tagName;
    source.ns = node.namespaceURI;
  } else if (node.nodeName === '#text') source.kind = 'text';
  else if (node.nodeName === '#comment') source.kind = 'comment';
  else if (node.nodeName === '#documentType') source.kind = 'doctype';
  const note = (offset: number) => {
    if (offset < scan.hazard) scan.hazard = Math.max(0, offset);
  };
  if (depth > MAX_DEPTH) {
    note(0);
    return source;
  }
  // Children first, with absolute starts; made relative once this node's start is known.
  let previousEnd = location ? location.startOffset : -1;
  let firstStart = -1;
  for (const child of childNodesOf(node)) {
    const childSource = buildTree(child, scan, depth + 1);
    if (childSource.start >= 0) {
      if (previousEnd >= 0 && childSource.start < previousEnd) note(previousEnd);
      if (location && childSource.start + childSource.length > location.endOffset) note(location.endOffset);
      if (firstStart < 0) firstStart = childSource.start;
      previousEnd = Math.max(previousEnd, childSource.start + childSource.length);
    }
    childSource.parent = source;
    source.children.push(childSource);
  }
  let start: number;
  let end: number;
  if (source.kind === 'document' || node.nodeName === '#document-fragment') {
    start = 0;
    end = Math.max(previousEnd, 0);
  } else if (location) {
    start = location.startOffset;
    end = location.endOffset;
    if (source.kind === 'element') {
      const element = location as Token.ElementLocation;
      source.contentStart = element.startTag ? element.startTag.endOffset - start : -1;
      source.contentEnd = element.endTag ? element.endTag.startOffset - start : -1;
      if (!element.endTag && source.ns === HTML_NS && LINGERING.has(source.name)) note(start);
    }
  } else if (firstStart >= 0) {
    start = firstStart;
    end = previousEnd;
    if (source.kind === 'element' && !IMPLIED.has(source.name)) note(start);
  } else {
    // An empty node the parser made (an implied element, the document of an empty page): placed later.
    start = -1;
    end = -1;
    if (source.kind === 'element' && !IMPLIED.has(source.name)) note(0);
  }
  // Place empty implied children at the end of their previous sibling.
  let cursor = start;
  for (const child of source.children) {
    if (child.start < 0) {
      child.start = Math.max(cursor, 0);
      child.length = 0;
    }
    cursor = child.start + child.length;
  }
  if (end < cursor) end = cursor;
  source.start = start;
  source.length = start < 0 ? 0 : end - start;
  for (const child of source.children) child.start -= Math.max(start, 0);
  return source;
}

/** The absolute start of a node (walks up its ancestors). */
export function absoluteStart(node: SourceNode): number {
  let at = 0;
  for (let n: SourceNode | null = node; n !== null; n = n.parent) at += n.start;
  return at;
}

/**
 * A DOM-free scanner for page source: which elements a browser will make
 * from it, where each one sits in the source, and the text it shows. Comment
 * anchors use it to map a reviewer's pick (tag + index among same-tag
 * elements, as `document.getElementsByTagName(tag)` gives them) to a range of
 * the `Y.Text` that holds the page, and back.
 *
 * Pure and isomorphic. The scan is one linear pass: text runs are skipped
 * with `indexOf('<')`, tags are read char by char, no regular expressions
 * (a 16 MiB page scans in well under a second).
 *
 * What it follows from the HTML parsing spec (as Chromium implements it):
 * comments, doctype and other `<!...>` / `<?...>` declarations are skipped
 * (`<![CDATA[...]]>` only inside svg/math); script, style, xmp, iframe,
 * noembed, noframes, noscript (scripting is on in the frame), textarea,
 * title and plaintext hold raw text; attribute values may hold `<` and `>`;
 * a start tag cut off by the end of the page makes no element; void
 * elements never have content and `/>` closes only svg/math elements;
 * elements inside `<template>` are not counted (they live in the template's
 * content, not the document) but the template is; the implied end tags of
 * p, li, dt, dd, option, headings, tr, td, th and table sections; an end tag
 * that closes nothing open in scope is ignored; elements the parser makes
 * without a start tag in the source (the tbody of `<table><tr>`, the tr of
 * `<table><td>`, the empty p of a stray `</p>`, the br of `</br>`) are
 * listed as zero-width elements (`start === startTagEnd`) so that ordinals
 * still agree with the browser.
 *
 * Where it differs, knowingly: html, head and body count only when their
 * start tag is in the source (the browser makes them anyway, so a page
 * without `<body>` has a body the scan does not list; a repeated `<body>`
 * tag is merged by the browser and ignored here too). The adoption agency
 * (misnested formatting tags such as `<b><p>x</b>`) can clone elements in
 * the browser; the scan does not. Foster-parented content (a div directly
 * inside a table) keeps its source position; ordinals are unaffected unless
 * two same-tag elements swap order that way. `<col>` directly in a table
 * gets no implied colgroup, a nested `<form>` is dropped like the browser
 * does only while the outer one is open, and select contents follow the
 * general rules. Script-made elements are, of course, not in the source.
 */

export interface SourceElement {
  /** Lower-case tag name. */
  tag: string;
  /** Index among the scanned elements with this tag, in document order. */
  ordinal: number;
  /** Index of the start tag's `<` (for an implied element: where the parser made it). */
  start: number;
  /** Index just after the start tag's `>`; equal to `start` for an implied element. */
  startTagEnd: number;
  /**
   * Index just after the matching end tag's `>`. Void and self-closed
   * elements: `startTagEnd`. Closed implicitly (by a sibling's start tag,
   * the parent's end tag): the index of that tag's `<`. Never closed: the
   * length of the page.
   */
  end: number;
  /** Index in the scan's array of the nearest enclosing element, -1 at the top. */
  parent: number;
}

/** True for elements the parser makes with no start tag of their own in the source. */
export function isImplied(element: SourceElement): boolean {
  return element.startTagEnd === element.start;
}

// ---------------------------------------------------------------------------
// Element categories (the HTML parsing spec's lists, lower-case names).

const VOID = new Set([
  'area', 'base', 'basefont', 'bgsound', 'br', 'col', 'embed', 'frame', 'hr', 'img', 'input', 'keygen',
  'link', 'meta', 'param', 'source', 'track', 'wbr',
]);

/** Their content is text up to the matching end tag. */
const RAW_TEXT = new Set([
  'script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'textarea', 'title', 'plaintext',
]);

/** Raw-text contents whose character references are decoded (RCDATA). */
const RCDATA = new Set(['textarea', 'title']);

/** Raw-text contents that never show on the page. */
const HIDDEN_RAW_TEXT = new Set(['script', 'style', 'iframe', 'noembed', 'noframes', 'noscript', 'title']);

const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

/** Start tags that close an open `<p>` first. */
const CLOSES_P = new Set([
  'address', 'article', 'aside', 'blockquote', 'center', 'details', 'dialog', 'dir', 'div', 'dl', 'fieldset',
  'figcaption', 'figure', 'footer', 'header', 'hgroup', 'main', 'menu', 'nav', 'ol', 'p', 'search', 'section',
  'summary', 'ul', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'listing', 'form', 'plaintext', 'table', 'hr',
  'xmp', 'li', 'dd', 'dt',
]);

/** The spec's "special" category: the generic end-tag rule stops at these. */
const SPECIAL = new Set([
  'address', 'applet', 'area', 'article', 'aside', 'base', 'basefont', 'bgsound', 'blockquote', 'body', 'br',
  'button', 'caption', 'center', 'col', 'colgroup', 'dd', 'details', 'dir', 'div', 'dl', 'dt', 'embed',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'frame', 'frameset', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'head', 'header', 'hgroup', 'hr', 'html', 'iframe', 'img', 'input', 'keygen', 'li', 'link', 'listing', 'main',
  'marquee', 'menu', 'meta', 'nav', 'noembed', 'noframes', 'noscript', 'object', 'ol', 'p', 'param',
  'plaintext', 'pre', 'script', 'search', 'section', 'select', 'source', 'style', 'summary', 'table', 'tbody',
  'td', 'template', 'textarea', 'tfoot', 'th', 'thead', 'title', 'tr', 'track', 'ul', 'wbr', 'xmp',
]);

/** End tags that close the element only when it is "in scope". */
const SCOPED_END = new Set([
  'address', 'applet', 'article', 'aside', 'blockquote', 'button', 'center', 'details', 'dialog', 'dir', 'div',
  'dl', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hgroup', 'listing', 'main', 'marquee',
  'menu', 'nav', 'object', 'ol', 'pre', 'search', 'section', 'summary', 'ul', 'dd', 'dt', 'body', 'html',
]);

const TABLE_PARTS = new Set(['table', 'tbody', 'thead', 'tfoot', 'tr', 'td', 'th', 'caption', 'colgroup', 'col']);
const TABLE_SECTIONS = new Set(['tbody', 'thead', 'tfoot']);
const CELLS = new Set(['td', 'th']);

const DEFAULT_SCOPE = new Set(['applet', 'caption', 'html', 'table', 'td', 'th', 'marquee', 'object', 'template']);
const BUTTON_SCOPE = new Set([...DEFAULT_SCOPE, 'button']);
const LIST_ITEM_SCOPE = new Set([...DEFAULT_SCOPE, 'ol', 'ul']);
const TABLE_SCOPE = new Set(['html', 'table', 'template']);

/** HTML start tags that end svg/math content ("breakout"). */
const FOREIGN_BREAKOUT = new Set([
  'b', 'big', 'blockquote', 'body', 'br', 'center', 'code', 'dd', 'div', 'dl', 'dt', 'em', 'embed', 'h1', 'h2',
  'h3', 'h4', 'h5', 'h6', 'head', 'hr', 'i', 'img', 'li', 'listing', 'menu', 'meta', 'nobr', 'ol', 'p', 'pre',
  'ruby', 's', 'small', 'span', 'strong', 'strike', 'sub', 'sup', 'table', 'tt', 'u', 'ul', 'var',
]);

const NS_HTML = 0;
const NS_SVG = 1;
const NS_MATH = 2;

/** Bound on one walk down the open-element stack (Chromium caps nesting at 512). */
const MAX_STACK_WALK = 1024;

// ---------------------------------------------------------------------------
// Tokenizer helpers: each takes the index of a `<` (or a name) and returns the
// index just past what it read. The end of the page (`length`) ends anything.

const CH_LT = 0x3c;
const CH_GT = 0x3e;
const CH_SLASH = 0x2f;
const CH_BANG = 0x21;
const CH_QUESTION = 0x3f;
const CH_DASH = 0x2d;
const CH_EQ = 0x3d;
const CH_DQUOTE = 0x22;
const CH_SQUOTE = 0x27;
const CH_AMP = 0x26;
const CH_HASH = 0x23;
const CH_SEMI = 0x3b;

function isAsciiAlpha(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

function isTagSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

/** What the parser needs to know about a tag name, as bits. */
const IS_VOID = 1 << 0;
const IS_RAW_TEXT = 1 << 1;
const IS_RCDATA = 1 << 2;
const IS_HIDDEN_RAW_TEXT = 1 << 3;
const IS_HEADING = 1 << 4;
const CLOSES_OPEN_P = 1 << 5;
const IS_SPECIAL = 1 << 6;
const HAS_SCOPED_END = 1 << 7;
const IS_TABLE_PART = 1 << 8;
const IS_TABLE_SECTION = 1 << 9;
const BOUNDS_DEFAULT_SCOPE = 1 << 10;
const BOUNDS_BUTTON_SCOPE = 1 << 11;
const BOUNDS_LIST_ITEM_SCOPE = 1 << 12;
const BOUNDS_TABLE_SCOPE = 1 << 13;
const BREAKS_OUT_OF_FOREIGN = 1 << 14;
const IS_CELL = 1 << 15;

/** An interned lower-case tag name: one object per name, so the scan compares and counts by identity. */
interface TagName {
  readonly name: string;
  /** Dense per-process number, for per-scan counters kept in arrays. */
  readonly id: number;
  readonly flags: number;
}

const FLAG_SETS: ReadonlyArray<readonly [number, ReadonlySet<string>]> = [
  [IS_VOID, VOID],
  [IS_RAW_TEXT, RAW_TEXT],
  [IS_RCDATA, RCDATA],
  [IS_HIDDEN_RAW_TEXT, HIDDEN_RAW_TEXT],
  [IS_HEADING, HEADINGS],
  [CLOSES_OPEN_P, CLOSES_P],
  [IS_SPECIAL, SPECIAL],
  [HAS_SCOPED_END, SCOPED_END],
  [IS_TABLE_PART, TABLE_PARTS],
  [IS_TABLE_SECTION, TABLE_SECTIONS],
  [BOUNDS_DEFAULT_SCOPE, DEFAULT_SCOPE],
  [BOUNDS_BUTTON_SCOPE, BUTTON_SCOPE],
  [BOUNDS_LIST_ITEM_SCOPE, LIST_ITEM_SCOPE],
  [BOUNDS_TABLE_SCOPE, TABLE_SCOPE],
  [BREAKS_OUT_OF_FOREIGN, FOREIGN_BREAKOUT],
  [IS_CELL, CELLS],
];

let nextTagId = 0;

function makeTagName(name: string): TagName {
  let flags = 0;
  for (const [flag, names] of FLAG_SETS) if (names.has(name)) flags |= flag;
  return { name, id: nextTagId++, flags };
}

/**
 * Tag names seen so far, by a hash of their lower-case form. Pages repeat a
 * few dozen names hundreds of thousands of times; reusing one object for
 * each keeps a big page's scan from allocating (and hashing) a string per tag.
 */
const tagNames = new Map<number, TagName>();
const MAX_CACHED_TAG_NAMES = 4096;

function lowerCode(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code | 0x20 : code;
}

function hashTagName(text: string, from: number, to: number): number {
  let hash = to - from;
  for (let i = from; i < to; i++) hash = (Math.imul(hash, 31) + lowerCode(text.charCodeAt(i))) | 0;
  return hash;
}

/** The interned tag name for `html[from, to)`, lower-cased. */
function tagNameAt(html: string, from: number, to: number): TagName {
  const hash = hashTagName(html, from, to);
  const cached = tagNames.get(hash);
  if (cached !== undefined && isLowerCaseOf(cached.name, html, from, to)) return cached;
  const made = makeTagName(html.slice(from, to).toLowerCase());
  if (cached === undefined && tagNames.size < MAX_CACHED_TAG_NAMES) tagNames.set(hash, made);
  return made;
}

function tag(name: string): TagName {
  return tagNameAt(name, 0, name.length);
}

function isLowerCaseOf(name: string, html: string, from: number, to: number): boolean {
  if (name.length !== to - from) return false;
  for (let k = 0; k < name.length; k++) {
    if (lowerCode(html.charCodeAt(from + k)) !== name.charCodeAt(k)) return false;
  }
  return true;
}

/** Index just past a tag name that starts at `from`. */
function tagNameEnd(html: string, from: number): number {
  let i = from;
  const length = html.length;
  while (i < length) {
    const code = html.charCodeAt(i);
    if (isTagSpace(code) || code === CH_SLASH || code === CH_GT) break;
    i++;
  }
  return i;
}

/**
 * Reads attributes from `from` to the tag's closing `>`. Returns
 * `2 * (index after '>') + (1 if the tag ends with a self-closing '/>')`,
 * or -1 when the page ends inside the tag (the tokenizer then drops it).
 * Quoted values may hold `<` and `>`; an unquoted value takes a trailing
 * `/` as its own (`<a href=/>` is not self-closing).
 */
function readAttributes(html: string, from: number): number {
  const length = html.length;
  let i = from;
  while (i < length) {
    const code = html.charCodeAt(i);
    if (isTagSpace(code)) {
      i++;
      continue;
    }
    if (code === CH_GT) return 2 * (i + 1);
    if (code === CH_SLASH) {
      if (html.charCodeAt(i + 1) === CH_GT) return 2 * (i + 2) + 1;
      i++;
      continue;
    }
    // An attribute name; its first character may be '='.
    i++;
    while (i < length) {
      const c = html.charCodeAt(i);
      if (isTagSpace(c) || c === CH_SLASH || c === CH_GT || c === CH_EQ) break;
      i++;
    }
    while (i < length && isTagSpace(html.charCodeAt(i))) i++;
    if (html.charCodeAt(i) !== CH_EQ) continue;
    i++;
    while (i < length && isTagSpace(html.charCodeAt(i))) i++;
    const quote = html.charCodeAt(i);
    if (quote === CH_DQUOTE || quote === CH_SQUOTE) {
      const close = html.indexOf(quote === CH_DQUOTE ? '"' : "'", i + 1);
      if (close === -1) return -1;
      i = close + 1;
    } else {
      while (i < length) {
        const c = html.charCodeAt(i);
        if (isTagSpace(c) || c === CH_GT) break;
        i++;
      }
    }
  }
  return -1;
}

/** Index after a comment that starts with `<!--` at `from`. */
function commentEnd(html: string, from: number): number {
  let i = from + 4;
  // `<!-->` and `<!--->` are complete (empty) comments.
  if (html.charCodeAt(i) === CH_GT) return i + 1;
  if (html.charCodeAt(i) === CH_DASH && html.charCodeAt(i + 1) === CH_GT) return i + 2;
  for (;;) {
    const dashes = html.indexOf('--', i);
    if (dashes === -1) return html.length;
    let j = dashes + 2;
    while (html.charCodeAt(j) === CH_DASH) j++;
    if (html.charCodeAt(j) === CH_GT) return j + 1;
    if (html.charCodeAt(j) === CH_BANG && html.charCodeAt(j + 1) === CH_GT) return j + 2;
    i = j;
  }
}

/** Index after the next `>` (bogus comments, doctype, declarations). */
function declarationEnd(html: string, from: number): number {
  const close = html.indexOf('>', from);
  return close === -1 ? html.length : close + 1;
}

/** Whether `html` has `name` (lower-case letters) at `at`, in any case. */
function hasNameAt(html: string, at: number, name: string): boolean {
  if (at + name.length > html.length) return false;
  for (let k = 0; k < name.length; k++) {
    if ((html.charCodeAt(at + k) | 0x20) !== name.charCodeAt(k)) return false;
  }
  return true;
}

/** Index of the `<` of the end tag that ends raw text opened by `tag`, or the page length. */
function rawTextEnd(html: string, from: number, tag: string): number {
  if (tag === 'plaintext') return html.length;
  let i = from;
  for (;;) {
    const open = html.indexOf('</', i);
    if (open === -1) return html.length;
    if (hasNameAt(html, open + 2, tag)) {
      const after = html.charCodeAt(open + 2 + tag.length);
      if (isTagSpace(after) || after === CH_SLASH || after === CH_GT) return open;
    }
    i = open + 2;
  }
}

/**
 * The markup token at a `<`. Shared by the element scan and the text
 * extraction so both read a page the same way.
 */
const enum Token {
  /** A `<` that starts no markup: it is text. */
  Text,
  StartTag,
  EndTag,
  /** Comment, doctype, CDATA, declaration, `</>`: nothing for the page. */
  Skip,
  /** The page ended inside a tag: the rest makes nothing. */
  Eof,
}

/** Reads the markup at `html[at] === '<'`; the result lands in `tok`. */
interface TokenState {
  kind: Token;
  /** Index just past the token. */
  end: number;
  /** Start and end tags: the name. */
  tag: TagName;
  selfClosing: boolean;
}

function readMarkup(html: string, at: number, cdataAllowed: boolean, tok: TokenState): void {
  const next = html.charCodeAt(at + 1);
  if (isAsciiAlpha(next)) {
    const nameEnd = tagNameEnd(html, at + 1);
    const attrs = readAttributes(html, nameEnd);
    if (attrs < 0) {
      tok.kind = Token.Eof;
      tok.end = html.length;
      return;
    }
    tok.kind = Token.StartTag;
    tok.tag = tagNameAt(html, at + 1, nameEnd);
    tok.end = attrs >> 1;
    tok.selfClosing = (attrs & 1) === 1;
    return;
  }
  if (next === CH_SLASH) {
    const first = html.charCodeAt(at + 2);
    if (isAsciiAlpha(first)) {
      const nameEnd = tagNameEnd(html, at + 2);
      const attrs = readAttributes(html, nameEnd);
      if (attrs < 0) {
        tok.kind = Token.Eof;
        tok.end = html.length;
        return;
      }
      tok.kind = Token.EndTag;
      tok.tag = tagNameAt(html, at + 2, nameEnd);
      tok.end = attrs >> 1;
      tok.selfClosing = false;
      return;
    }
    tok.kind = Token.Skip;
    tok.end = first === CH_GT ? at + 3 : declarationEnd(html, at + 2);
    return;
  }
  if (next === CH_BANG) {
    tok.kind = Token.Skip;
    if (html.startsWith('<!--', at)) {
      tok.end = commentEnd(html, at);
    } else if (cdataAllowed && html.startsWith('<![CDATA[', at)) {
      // CDATA inside svg/math is text; nothing in it makes elements.
      const close = html.indexOf(']]>', at + 9);
      tok.end = close === -1 ? html.length : close + 3;
    } else {
      tok.end = declarationEnd(html, at + 2);
    }
    return;
  }
  if (next === CH_QUESTION) {
    tok.kind = Token.Skip;
    tok.end = declarationEnd(html, at + 2);
    return;
  }
  tok.kind = Token.Text;
  tok.end = at + 1;
}

function newTokenState(): TokenState {
  return { kind: Token.Text, end: 0, tag: P, selfClosing: false };
}

// ---------------------------------------------------------------------------
// The element scan.

const P = tag('p');
const BR = tag('br');
const LI = tag('li');
const DD = tag('dd');
const DT = tag('dt');
const A = tag('a');
const BUTTON = tag('button');
const OPTION = tag('option');
const OPTGROUP = tag('optgroup');
const ADDRESS = tag('address');
const DIV = tag('div');
const HTML = tag('html');
const HEAD = tag('head');
const BODY = tag('body');
const TEMPLATE = tag('template');
const FORM = tag('form');
const TABLE = tag('table');
const TBODY = tag('tbody');
const TR = tag('tr');
const CAPTION = tag('caption');
const COLGROUP = tag('colgroup');
const SVG = tag('svg');
const MATH = tag('math');
const IMAGE = tag('image');
const IMG = tag('img');
const FOREIGN_OBJECT = tag('foreignobject');
const DESC = tag('desc');
const TITLE = tag('title');
const MATH_TEXT = new Set([tag('mi'), tag('mo'), tag('mn'), tag('ms'), tag('mtext')]);

/** Elements inside svg/math whose children are HTML again. */
function isIntegrationPoint(name: TagName, ns: number): boolean {
  if (ns === NS_SVG) return name === FOREIGN_OBJECT || name === DESC || name === TITLE;
  if (ns === NS_MATH) return MATH_TEXT.has(name);
  return false;
}

class ElementScan {
  readonly elements: SourceElement[] = [];
  // The stack of open elements, as parallel arrays (no object per push).
  private readonly stackTags: TagName[] = [];
  /** Index in `elements`, or -1 for elements inside a template (not in the document). */
  private readonly stackIndexes: number[] = [];
  private readonly stackNs: number[] = [];
  /** By tag id: how many are open, and how many were emitted. */
  private readonly openCount: number[] = [];
  private readonly ordinals: number[] = [];
  private seenHtml = false;
  private seenHead = false;
  private seenBody = false;

  constructor(private readonly html: string) {}

  run(): SourceElement[] {
    const html = this.html;
    const length = html.length;
    const tok = newTokenState();
    let i = 0;
    while (i < length) {
      const lt = html.indexOf('<', i);
      if (lt === -1) break;
      readMarkup(html, lt, this.inForeignContent(), tok);
      if (tok.kind === Token.Eof) break;
      if (tok.kind === Token.StartTag) {
        const rawText = this.startTag(tok.tag, lt, tok.end, tok.selfClosing);
        i = rawText === null ? tok.end : rawTextEnd(html, tok.end, rawText.name);
      } else {
        if (tok.kind === Token.EndTag) this.endTag(tok.tag, lt, tok.end);
        i = tok.end;
      }
    }
    this.popTo(0, length, length);
    return this.elements;
  }

  private get depth(): number {
    return this.stackTags.length;
  }

  private open(name: TagName): number {
    return this.openCount[name.id] ?? 0;
  }

  private inForeignContent(): boolean {
    const top = this.depth - 1;
    return top >= 0 && this.stackNs[top] !== NS_HTML;
  }

  private inTemplate(): boolean {
    return this.open(TEMPLATE) > 0;
  }

  /** Adds the element to the result (unless it is template content); returns its index or -1. */
  private emit(name: TagName, start: number, startTagEnd: number, end: number): number {
    if (this.inTemplate()) return -1;
    const ordinal = this.ordinals[name.id] ?? 0;
    this.ordinals[name.id] = ordinal + 1;
    const parent = this.depth > 0 ? this.stackIndexes[this.depth - 1] : -1;
    this.elements.push({ tag: name.name, ordinal, start, startTagEnd, end, parent });
    return this.elements.length - 1;
  }

  private push(name: TagName, index: number, ns: number): void {
    this.stackTags.push(name);
    this.stackIndexes.push(index);
    this.stackNs.push(ns);
    this.openCount[name.id] = this.open(name) + 1;
  }

  /** Emits an element and leaves it open. */
  private openElement(name: TagName, start: number, startTagEnd: number, ns: number): void {
    this.push(name, this.emit(name, start, startTagEnd, -1), ns);
  }

  /**
   * Pops the stack down to `depth` (inclusive). The element at `depth`
   * ends at `targetEnd`; the ones above it were closed implicitly and end
   * at `othersEnd`.
   */
  private popTo(depth: number, targetEnd: number, othersEnd: number): void {
    while (this.depth > depth) {
      const name = this.stackTags.pop() as TagName;
      const index = this.stackIndexes.pop() as number;
      this.stackNs.pop();
      this.openCount[name.id] = this.open(name) - 1;
      if (index >= 0) this.elements[index].end = this.depth === depth ? targetEnd : othersEnd;
    }
  }

  private isScopeBoundary(depth: number, boundary: number): boolean {
    const ns = this.stackNs[depth];
    return ns === NS_HTML ? (this.stackTags[depth].flags & boundary) !== 0 : isIntegrationPoint(this.stackTags[depth], ns);
  }

  /** Depth of the nearest open HTML `name` not hidden behind a scope boundary, or -1. */
  private inScope(name: TagName, boundary: number): number {
    if (this.open(name) === 0) return -1;
    const stop = Math.max(0, this.depth - MAX_STACK_WALK);
    for (let depth = this.depth - 1; depth >= stop; depth--) {
      if (this.stackTags[depth] === name && this.stackNs[depth] === NS_HTML) return depth;
      if (this.isScopeBoundary(depth, boundary)) return -1;
    }
    return -1;
  }

  /** As `inScope`, for any name with the `kind` flag (headings, cells, table sections). */
  private kindInScope(kind: number, boundary: number): number {
    const stop = Math.max(0, this.depth - MAX_STACK_WALK);
    for (let depth = this.depth - 1; depth >= stop; depth--) {
      if ((this.stackTags[depth].flags & kind) !== 0 && this.stackNs[depth] === NS_HTML) return depth;
      if (this.isScopeBoundary(depth, boundary)) return -1;
    }
    return -1;
  }

  private closeP(at: number): void {
    const depth = this.inScope(P, BOUNDS_BUTTON_SCOPE);
    if (depth >= 0) this.popTo(depth, at, at);
  }

  /** Returns the raw-text element whose content follows, or null. */
  private startTag(name: TagName, start: number, startTagEnd: number, selfClosing: boolean): TagName | null {
    const top = this.depth - 1;
    if (top >= 0 && this.stackNs[top] !== NS_HTML && !isIntegrationPoint(this.stackTags[top], this.stackNs[top])) {
      if ((name.flags & BREAKS_OUT_OF_FOREIGN) === 0) {
        this.foreignElement(name, this.stackNs[top], start, startTagEnd, selfClosing);
        return null;
      }
      // An HTML tag inside svg/math closes the foreign elements around it.
      let depth = this.depth;
      while (depth > 0 && this.stackNs[depth - 1] !== NS_HTML && !isIntegrationPoint(this.stackTags[depth - 1], this.stackNs[depth - 1])) depth--;
      this.popTo(depth, start, start);
    }
    if (name === SVG || name === MATH) {
      this.foreignElement(name, name === SVG ? NS_SVG : NS_MATH, start, startTagEnd, selfClosing);
      return null;
    }
    return this.htmlStartTag(name === IMAGE ? IMG : name, start, startTagEnd);
  }

  private foreignElement(name: TagName, ns: number, start: number, startTagEnd: number, selfClosing: boolean): void {
    if (selfClosing) this.emit(name, start, startTagEnd, startTagEnd);
    else this.openElement(name, start, startTagEnd, ns);
  }

  private htmlStartTag(name: TagName, start: number, startTagEnd: number): TagName | null {
    if (name === HTML || name === HEAD || name === BODY) {
      // The browser makes each once and merges repeats into the first.
      if (this.inTemplate()) return null;
      if (name === HTML ? this.seenHtml : name === HEAD ? this.seenHead || this.seenBody : this.seenBody) return null;
      if (name === HTML) this.seenHtml = true;
      else if (name === HEAD) this.seenHead = true;
      else this.seenBody = true;
      this.openElement(name, start, startTagEnd, NS_HTML);
      return null;
    }
    // A form inside an open form is dropped by the browser.
    if (name === FORM && this.open(FORM) > 0 && !this.inTemplate()) return null;
    if ((name.flags & IS_TABLE_PART) !== 0 && name !== TABLE) {
      if (!this.tableContext(name, start)) return null;
    } else {
      this.impliedEndTags(name, start);
    }
    if ((name.flags & IS_VOID) !== 0) {
      this.emit(name, start, startTagEnd, startTagEnd);
      return null;
    }
    this.openElement(name, start, startTagEnd, NS_HTML);
    return (name.flags & IS_RAW_TEXT) !== 0 ? name : null;
  }

  /** The implied end tags a (non-table) start tag triggers. */
  private impliedEndTags(name: TagName, start: number): void {
    if (name === LI || name === DD || name === DT) {
      const stop = Math.max(0, this.depth - MAX_STACK_WALK);
      for (let depth = this.depth - 1; depth >= stop; depth--) {
        if (this.stackNs[depth] !== NS_HTML) break;
        const open = this.stackTags[depth];
        if (name === LI ? open === LI : open === DD || open === DT) {
          this.popTo(depth, start, start);
          break;
        }
        if ((open.flags & IS_SPECIAL) !== 0 && open !== ADDRESS && open !== DIV && open !== P) break;
      }
    }
    if ((name.flags & CLOSES_OPEN_P) !== 0) this.closeP(start);
    const top = this.depth - 1;
    if (top < 0 || this.stackNs[top] !== NS_HTML) return;
    const current = this.stackTags[top];
    if ((name.flags & IS_HEADING) !== 0 && (current.flags & IS_HEADING) !== 0) this.popTo(top, start, start);
    else if ((name === OPTION || name === OPTGROUP) && current === OPTION) this.popTo(top, start, start);
    else if (name === BUTTON || name === A) {
      const depth = this.inScope(name, BOUNDS_DEFAULT_SCOPE);
      if (depth >= 0) this.popTo(depth, start, start);
    }
  }

  /**
   * Table parts: ignored outside a table (as the browser does); close the
   * open row, cell or section they replace; make the implied tbody and tr.
   * Returns whether the tag makes an element.
   */
  private tableContext(name: TagName, start: number): boolean {
    if (this.inScope(TABLE, BOUNDS_TABLE_SCOPE) < 0) return false;
    const isCell = (name.flags & IS_CELL) !== 0;
    if (isCell) {
      const cell = this.kindInScope(IS_CELL, BOUNDS_TABLE_SCOPE);
      if (cell >= 0) this.popTo(cell, start, start);
    } else if (name === TR) {
      const row = this.inScope(TR, BOUNDS_TABLE_SCOPE);
      if (row >= 0) this.popTo(row, start, start);
    } else {
      if ((name.flags & IS_TABLE_SECTION) !== 0 || name === CAPTION || name === COLGROUP) {
        const section = this.kindInScope(IS_TABLE_SECTION, BOUNDS_TABLE_SCOPE);
        if (section >= 0) this.popTo(section, start, start);
      }
      return true;
    }
    if (this.stackTags[this.depth - 1] === TABLE) this.openElement(TBODY, start, start, NS_HTML);
    if (isCell && (this.stackTags[this.depth - 1].flags & IS_TABLE_SECTION) !== 0) this.openElement(TR, start, start, NS_HTML);
    return true;
  }

  private endTag(name: TagName, start: number, end: number): void {
    const top = this.depth - 1;
    if (top >= 0 && this.stackNs[top] !== NS_HTML) {
      // In svg/math: close the nearest open element of that name, unless an HTML element comes first.
      const stop = Math.max(0, this.depth - MAX_STACK_WALK);
      for (let depth = top; depth >= stop && this.stackNs[depth] !== NS_HTML; depth--) {
        if (this.stackTags[depth] === name) {
          this.popTo(depth, end, start);
          return;
        }
      }
    }
    if (name === P || name === BR) {
      const depth = name === P ? this.inScope(P, BOUNDS_BUTTON_SCOPE) : -1;
      if (depth >= 0) this.popTo(depth, end, start);
      else this.emit(name, start, start, start);
      return;
    }
    let depth: number;
    if (name === LI) depth = this.inScope(LI, BOUNDS_LIST_ITEM_SCOPE);
    else if ((name.flags & IS_HEADING) !== 0) depth = this.kindInScope(IS_HEADING, BOUNDS_DEFAULT_SCOPE);
    else if (name === TEMPLATE) depth = this.nearestOpen(TEMPLATE);
    else if ((name.flags & HAS_SCOPED_END) !== 0) depth = this.inScope(name, BOUNDS_DEFAULT_SCOPE);
    else if ((name.flags & IS_TABLE_PART) !== 0) depth = this.inScope(name, BOUNDS_TABLE_SCOPE);
    else depth = this.genericEnd(name);
    if (depth >= 0) this.popTo(depth, end, start);
  }

  /** Depth of the nearest open element named `name`, whatever lies between, or -1. */
  private nearestOpen(name: TagName): number {
    if (this.open(name) === 0) return -1;
    for (let depth = this.depth - 1; depth >= 0; depth--) {
      if (this.stackTags[depth] === name) return depth;
    }
    return -1;
  }

  /** "Any other end tag": the nearest open element of that name, unless a special element comes first. */
  private genericEnd(name: TagName): number {
    if (this.open(name) === 0) return -1;
    const stop = Math.max(0, this.depth - MAX_STACK_WALK);
    for (let depth = this.depth - 1; depth >= stop; depth--) {
      const open = this.stackTags[depth];
      if (open === name) return depth;
      if (this.stackNs[depth] === NS_HTML && (open.flags & IS_SPECIAL) !== 0) return -1;
    }
    return -1;
  }
}

/** Pages each scan came from, so callers can pass a scan around instead of the string and its scan. */
const scannedSource = new WeakMap<readonly SourceElement[], string>();

/**
 * Every element the browser will make from `html` that has a place in the
 * source, in document order, with its ordinal among same-tag elements.
 */
export function scanElements(html: string): SourceElement[] {
  const elements = new ElementScan(html).run();
  scannedSource.set(elements, html);
  return elements;
}

/** The source `elements` was scanned from (when it came from `scanElements`). */
export function sourceOfScan(elements: readonly SourceElement[]): string | undefined {
  return scannedSource.get(elements);
}

/** The `ordinal`-th element with `tag`, as `document.getElementsByTagName(tag)[ordinal]`. */
export function elementAt(elements: readonly SourceElement[], tag: string, ordinal: number): SourceElement | null {
  for (const element of elements) {
    if (element.tag === tag && element.ordinal === ordinal) return element;
  }
  return null;
}

/** Index of the first element whose start is at or after `offset`. */
function firstStartingFrom(elements: readonly SourceElement[], offset: number): number {
  let low = 0;
  let high = elements.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (elements[mid].start < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The element whose start tag begins at `offset` (implied elements never do). */
export function elementStartingAt(elements: readonly SourceElement[], offset: number): SourceElement | null {
  for (let i = firstStartingFrom(elements, offset); i < elements.length && elements[i].start === offset; i++) {
    if (!isImplied(elements[i])) return elements[i];
  }
  return null;
}

/**
 * The innermost element that contains [from, to) inside its content (after
 * its start tag, up to its end), optionally the innermost with `tag`.
 */
export function elementContaining(
  elements: readonly SourceElement[],
  from: number,
  to: number,
  tag?: string,
): SourceElement | null {
  // Elements nest, so whatever encloses `from` is the last element starting
  // before it or one of that element's ancestors.
  let i = firstStartingFrom(elements, from) - 1;
  while (i >= 0) {
    const element = elements[i];
    if (element.startTagEnd <= from && element.end >= to && (tag === undefined || element.tag === tag)) return element;
    i = element.parent;
  }
  return null;
}

/**
 * The start of the last element starting at or before `offset` (0 if none):
 * a place to start reading text from, where the tokenizer is between tags.
 */
export function elementStartAtOrBefore(elements: readonly SourceElement[], offset: number): number {
  const i = firstStartingFrom(elements, offset + 1) - 1;
  return i >= 0 ? elements[i].start : 0;
}

/** The start of the first element starting at or after `offset`, else `fallback`: a place to stop reading text at. */
export function elementStartAtOrAfter(elements: readonly SourceElement[], offset: number, fallback: number): number {
  const i = firstStartingFrom(elements, offset);
  return i < elements.length ? elements[i].start : fallback;
}

// ---------------------------------------------------------------------------
// Start tags, for comparing an element's identity across versions.

export interface StartTag {
  tag: string;
  /** Attribute names (lower-case) to raw values, first occurrence wins like the browser. */
  attributes: Map<string, string>;
  end: number;
}

/** Parses the start tag at `html[at] === '<'`; null if there is none there. */
export function parseStartTag(html: string, at: number): StartTag | null {
  if (html.charCodeAt(at) !== CH_LT || !isAsciiAlpha(html.charCodeAt(at + 1))) return null;
  const nameEnd = tagNameEnd(html, at + 1);
  const attributes = new Map<string, string>();
  const length = html.length;
  let i = nameEnd;
  while (i < length) {
    const code = html.charCodeAt(i);
    if (isTagSpace(code) || code === CH_SLASH) {
      if (code === CH_SLASH && html.charCodeAt(i + 1) === CH_GT) {
        return { tag: html.slice(at + 1, nameEnd).toLowerCase(), attributes, end: i + 2 };
      }
      i++;
      continue;
    }
    if (code === CH_GT) return { tag: html.slice(at + 1, nameEnd).toLowerCase(), attributes, end: i + 1 };
    const nameStart = i;
    i++;
    while (i < length) {
      const c = html.charCodeAt(i);
      if (isTagSpace(c) || c === CH_SLASH || c === CH_GT || c === CH_EQ) break;
      i++;
    }
    const name = html.slice(nameStart, i).toLowerCase();
    while (i < length && isTagSpace(html.charCodeAt(i))) i++;
    let value = '';
    if (html.charCodeAt(i) === CH_EQ) {
      i++;
      while (i < length && isTagSpace(html.charCodeAt(i))) i++;
      const quote = html.charCodeAt(i);
      if (quote === CH_DQUOTE || quote === CH_SQUOTE) {
        const close = html.indexOf(quote === CH_DQUOTE ? '"' : "'", i + 1);
        if (close === -1) return null;
        value = html.slice(i + 1, close);
        i = close + 1;
      } else {
        const valueStart = i;
        while (i < length) {
          const c = html.charCodeAt(i);
          if (isTagSpace(c) || c === CH_GT) break;
          i++;
        }
        value = html.slice(valueStart, i);
      }
    }
    if (!attributes.has(name)) attributes.set(name, value);
  }
  return null;
}

// ---------------------------------------------------------------------------
// Text.

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“', rdquo: '”', bdquo: '„',
  laquo: '«', raquo: '»', lsaquo: '‹', rsaquo: '›', bull: '•', middot: '·', para: '¶', sect: '§', deg: '°',
  plusmn: '±', times: '×', divide: '÷', frac12: '½', frac14: '¼', frac34: '¾', sup1: '¹', sup2: '²', sup3: '³',
  micro: 'µ', cent: '¢', pound: '£', euro: '€', yen: '¥', curren: '¤', iexcl: '¡', iquest: '¿', shy: '\u00ad',
  ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009', zwnj: '\u200c', zwj: '\u200d', lrm: '\u200e', rlm: '\u200f',
  larr: '←', rarr: '→', uarr: '↑', darr: '↓', harr: '↔', lArr: '⇐', rArr: '⇒', hArr: '⇔', check: '✓',
  cross: '✗', star: '☆', starf: '★', hearts: '♥', spades: '♠', clubs: '♣', diams: '♦', infin: '∞', ne: '≠',
  le: '≤', ge: '≥', asymp: '≈', minus: '−', prime: '′', Prime: '″', dagger: '†', Dagger: '‡', permil: '‰',
  ordf: 'ª', ordm: 'º', not: '¬', macr: '¯', acute: '´', cedil: '¸', uml: '¨', brvbar: '¦', half: '½',
  aacute: 'á', Aacute: 'Á', agrave: 'à', Agrave: 'À', acirc: 'â', Acirc: 'Â', auml: 'ä', Auml: 'Ä', aring: 'å',
  Aring: 'Å', atilde: 'ã', Atilde: 'Ã', aelig: 'æ', AElig: 'Æ', ccedil: 'ç', Ccedil: 'Ç', eacute: 'é',
  Eacute: 'É', egrave: 'è', Egrave: 'È', ecirc: 'ê', Ecirc: 'Ê', euml: 'ë', Euml: 'Ë', iacute: 'í', Iacute: 'Í',
  igrave: 'ì', Igrave: 'Ì', icirc: 'î', Icirc: 'Î', iuml: 'ï', Iuml: 'Ï', ntilde: 'ñ', Ntilde: 'Ñ', oacute: 'ó',
  Oacute: 'Ó', ograve: 'ò', Ograve: 'Ò', ocirc: 'ô', Ocirc: 'Ô', ouml: 'ö', Ouml: 'Ö', otilde: 'õ', Otilde: 'Õ',
  oslash: 'ø', Oslash: 'Ø', szlig: 'ß', uacute: 'ú', Uacute: 'Ú', ugrave: 'ù', Ugrave: 'Ù', ucirc: 'û',
  Ucirc: 'Û', uuml: 'ü', Uuml: 'Ü', yacute: 'ý', Yacute: 'Ý', yuml: 'ÿ',
};

/** Legacy entities the browser also decodes without the semicolon. */
const SEMICOLONLESS = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg']);

const MAX_ENTITY_NAME = 32;

/**
 * Decodes the character reference at `html[at] === '&'` (bounded by
 * `limit`). Returns the text and where the reference ends, or null when
 * the `&` stands for itself.
 */
function decodeReferenceAt(html: string, at: number, limit: number): { text: string; end: number } | null {
  let i = at + 1;
  if (html.charCodeAt(i) === CH_HASH) {
    i++;
    const hex = (html.charCodeAt(i) | 0x20) === 0x78;
    if (hex) i++;
    const digitsStart = i;
    let value = 0;
    while (i < limit) {
      const c = html.charCodeAt(i);
      const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : hex && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
      if (digit < 0) break;
      value = Math.min(value * (hex ? 16 : 10) + digit, 0x110000);
      i++;
    }
    if (i === digitsStart) return null;
    if (i < limit && html.charCodeAt(i) === CH_SEMI) i++;
    const valid = value > 0 && value < 0x110000 && (value < 0xd800 || value > 0xdfff);
    return { text: valid ? String.fromCodePoint(value) : '\ufffd', end: i };
  }
  const nameStart = i;
  while (i < limit && i - nameStart < MAX_ENTITY_NAME) {
    const c = html.charCodeAt(i);
    if (!(isAsciiAlpha(c) || (c >= 0x30 && c <= 0x39))) break;
    i++;
  }
  if (i === nameStart) return null;
  const name = html.slice(nameStart, i);
  const decoded = Object.hasOwn(NAMED_ENTITIES, name) ? NAMED_ENTITIES[name] : undefined;
  if (decoded === undefined) return null;
  if (i < limit && html.charCodeAt(i) === CH_SEMI) return { text: decoded, end: i + 1 };
  return SEMICOLONLESS.has(name) ? { text: decoded, end: i } : null;
}

/** Index of the first `<` in `html[from, to)`, or -1, never reading past `to` (a window of a tag-less page must not cost the whole page). */
function lessThanWithin(html: string, from: number, to: number): number {
  if (to >= html.length) return html.indexOf('<', from);
  for (let i = from; i < to; i++) if (html.charCodeAt(i) === CH_LT) return i;
  return -1;
}

/** Index of the first `&` in `html[from, to)`, or -1. (Not `indexOf`: it would scan past `to`, to the end of a page with no `&` left.) */
function ampersandWithin(html: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (html.charCodeAt(i) === CH_AMP) return i;
  return -1;
}

function decodeReferences(html: string, from: number, to: number): string {
  let amp = ampersandWithin(html, from, to);
  if (amp === -1) return html.slice(from, to);
  let out = '';
  let copied = from;
  while (amp !== -1) {
    const reference = decodeReferenceAt(html, amp, to);
    if (reference) {
      out += html.slice(copied, amp) + reference.text;
      copied = reference.end;
      amp = ampersandWithin(html, reference.end, to);
    } else {
      amp = ampersandWithin(html, amp + 1, to);
    }
  }
  return out + html.slice(copied, to);
}

/**
 * Which text a walk reports. 'visible': what a reader can see and select
 * (no script, style, title, noscript, iframe fallback, template content).
 * 'content': what `textContent` holds (raw text of every element included,
 * template content still not).
 */
type TextMode = 'visible' | 'content';

/**
 * Walks the text of `html[from, to)` (which must start between tags) and
 * reports each run: `decode` says whether character references in it are
 * live (not in script/style raw text).
 */
function walkText(html: string, from: number, to: number, mode: TextMode, onRun: (start: number, end: number, decode: boolean) => void): void {
  const tok = newTokenState();
  let foreignDepth = 0;
  let templateDepth = 0;
  let i = from;
  let textStart = from;
  const flush = (end: number) => {
    if (end > textStart && templateDepth === 0) onRun(textStart, end, true);
  };
  while (i < to) {
    const lt = lessThanWithin(html, i, to);
    if (lt === -1) break;
    readMarkup(html, lt, foreignDepth > 0, tok);
    if (tok.kind === Token.Text) {
      i = lt + 1;
      continue;
    }
    flush(lt);
    if (tok.kind === Token.Eof) {
      textStart = to;
      break;
    }
    i = Math.min(tok.end, to);
    textStart = i;
    const name = tok.tag;
    if (tok.kind === Token.StartTag) {
      if (name === SVG || name === MATH) {
        if (!tok.selfClosing) foreignDepth++;
      } else if (name === TEMPLATE) {
        templateDepth++;
      } else if (foreignDepth === 0 && (name.flags & IS_RAW_TEXT) !== 0) {
        const rawEnd = Math.min(rawTextEnd(html, i, name.name), to);
        const shown = mode === 'content' || (name.flags & IS_HIDDEN_RAW_TEXT) === 0;
        if (shown && rawEnd > i && templateDepth === 0) onRun(i, rawEnd, (name.flags & IS_RCDATA) !== 0);
        i = rawEnd;
        textStart = i;
      }
    } else if (tok.kind === Token.EndTag) {
      if ((name === SVG || name === MATH) && foreignDepth > 0) foreignDepth--;
      else if (name === TEMPLATE && templateDepth > 0) templateDepth--;
    }
  }
  flush(Math.max(textStart, Math.min(to, html.length)));
}

/** JavaScript's `\s` (ASCII whitespace, no-break and other Unicode spaces). */
const WHITESPACE_RUN = /\s+/g;

/** Whitespace runs to one space, trimmed: how quotes are compared. */
export function normalizeText(text: string): string {
  return text.replace(WHITESPACE_RUN, ' ').trim();
}

/** The text with all whitespace removed: quotes are matched on this, so line breaks a selection adds between blocks do not matter. */
export function textKey(text: string): string {
  return text.replace(WHITESPACE_RUN, '');
}

/**
 * The text a reader sees in a slice of page source: tags and comments
 * stripped, script/style and other hidden raw text dropped, character
 * references decoded, whitespace collapsed to single spaces and trimmed.
 */
export function sourceText(html: string): string {
  return normalizeText(collectText(html, 0, html.length, 'visible'));
}

/** Like `textContent` of the slice (script and style text included), whitespace-free. */
export function contentTextKey(html: string): string {
  return textKey(collectText(html, 0, html.length, 'content'));
}

/**
 * What `textContent` would read from `html[from, to)` (which must start
 * between tags): raw text of every element included, template content and
 * comments not, character references decoded. Not normalized.
 */
export function contentText(html: string, from: number, to: number): string {
  return collectText(html, from, to, 'content');
}

function collectText(html: string, from: number, to: number, mode: TextMode): string {
  const parts: string[] = [];
  walkText(html, from, to, mode, (start, end, decode) => {
    parts.push(decode ? decodeReferences(html, start, end) : html.slice(start, end));
  });
  return parts.join('');
}

/**
 * Calls `visit` for every non-whitespace UTF-16 unit of the `textContent`
 * of `html[from, to)` with the source range it was read from (one
 * character, or a whole character reference). Stops when `visit` returns
 * false.
 */
function forEachTextUnit(
  html: string,
  from: number,
  to: number,
  visit: (unit: string, start: number, end: number) => boolean,
): void {
  let going = true;
  const add = (text: string, start: number, end: number) => {
    for (let k = 0; k < text.length && going; k++) {
      if (!isSpaceUnit(text.charCodeAt(k))) going = visit(text[k], start, end);
    }
  };
  walkText(html, from, to, 'content', (start, end, decode) => {
    let i = start;
    while (i < end && going) {
      if (decode && html.charCodeAt(i) === CH_AMP) {
        const reference = decodeReferenceAt(html, i, end);
        if (reference) {
          add(reference.text, i, reference.end);
          i = reference.end;
          continue;
        }
      }
      add(html[i], i, i + 1);
      i++;
    }
  });
}

/**
 * Where units `first` to `last` (inclusive) of the whitespace-free
 * `textContent` of `html[from, to)` were read from: the source start of the
 * first and the source end of the last. Reads only as far as it needs.
 */
export function sourceRangeOfText(html: string, from: number, to: number, first: number, last: number): { start: number; end: number } | null {
  let index = 0;
  let start = -1;
  let end = -1;
  forEachTextUnit(html, from, to, (_unit, unitStart, unitEnd) => {
    if (index === first) start = unitStart;
    if (index === last) end = unitEnd;
    index++;
    return index <= last;
  });
  return start >= 0 && end >= 0 ? { start, end } : null;
}

/**
 * The whitespace-free `textContent` of `html[from, to)` with where each of
 * its units comes from: unit k was read from `html[starts[k], ends[k])`.
 */
export interface MappedText {
  key: string;
  starts: number[];
  ends: number[];
}

export function mappedTextKey(html: string, from: number, to: number): MappedText {
  const units: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  forEachTextUnit(html, from, to, (unit, start, end) => {
    units.push(unit);
    starts.push(start);
    ends.push(end);
    return true;
  });
  return { key: units.join(''), starts, ends };
}

/** The characters `\s` matches, by UTF-16 unit. */
function isSpaceUnit(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}

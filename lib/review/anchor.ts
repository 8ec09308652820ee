/**
 * Comment anchors: pinning a review thread to a place in a page that an
 * agent keeps rewriting.
 *
 * An anchor holds two Yjs relative positions into the page source
 * (`Y.Text('html')`): the first character of the anchored range (assoc 0)
 * and its last character (assoc -1). The page diff (lib/artifact/text-delta)
 * keeps the CRDT items of unchanged regions, so edits elsewhere move the
 * range without touching it. The thread also keeps the source the range
 * covered (`source`, its first 4,000 characters, and `sourceHash` of all of
 * it) and the text just before and after it (`prefix`, `suffix`: for text,
 * the rest of the holding element's text; for an element, the page text).
 * Resolving compares the page now against those:
 *
 * 1. 'ok': the CRDT range is the anchored source, byte for byte.
 * 2. 'changed': the anchored element's own first and last characters still
 *    delimit one element of its tag, and it is still itself: its `id`,
 *    `name` and `data-*` attributes are unchanged (when it has any), or
 *    else the page text on both sides of it is. For text: one of its own
 *    end characters survives inside an element of its tag, and the
 *    recorded text still frames it on both sides.
 * 3. 'ok': an unchanged copy of the anchored source close to the CRDT
 *    range. A character diff sometimes keeps a neighbour's identical
 *    characters instead of the anchor's own (deleting one of two sections
 *    that both start `<section class="`), or morphs two similar elements
 *    into each other when they swap places; the anchored content is then
 *    found where it now is. Copies with matching surroundings win; a copy
 *    of anchored text further than right next to the range must have its
 *    surroundings (mostly) as recorded.
 * 4. 'outdated'. Never a guess at other content.
 *
 * Identity follows the diff, and the diff only sees characters: once it has
 * morphed one element into a similar one in the same surroundings, nothing
 * on the page tells them apart. So an element deleted right next to an
 * identical copy of itself resolves 'ok' on the copy (same content), and a
 * thread follows an element that the diff turned into its replacement
 * where the page text around it is unchanged on both sides.
 *
 * Everything here is pure and deterministic: the same document state gives
 * the same answer in every browser and on the server.
 */
import { fromBase64, toBase64 } from 'lib0/buffer';
import * as Y from 'yjs';
import {
  contentText,
  contentTextKey,
  elementAt,
  elementContaining,
  elementStartAtOrAfter,
  elementStartAtOrBefore,
  elementStartingAt,
  isImplied,
  mappedTextKey,
  parseStartTag,
  scanElements,
  sourceOfScan,
  sourceRangeOfText,
  textKey,
  type MappedText,
  type SourceElement,
} from './html-source';
import { ANCHOR_KINDS, REVIEW_LIMITS, type AnchorInput, type AnchorKind, type AnchorPoint, type AnchorState, type AnchorView } from './types';

/** How much of the anchored source a thread keeps (`AnchorView.source`). */
export const ANCHOR_SOURCE_CHARS = 4_000;

/** What the frame reports when a reviewer picks an element or selects text. */
export interface PickedTarget {
  kind: AnchorKind;
  tag: string;
  ordinal: number;
  selector: string;
  quote: string;
  prefix: string;
  suffix: string;
  /** Where in the element the reviewer pointed (fractions of its box). */
  point?: AnchorPoint;
  /** What was picked, in words ("chart in Impact"). */
  name?: string;
}

/** Where an anchor stands on the page now. */
export interface ResolvedAnchor {
  state: AnchorState;
  /** The anchored range in the page source now; null when outdated or for a selector-only anchor. */
  start: number | null;
  end: number | null;
  /**
   * The element the frame should pin to: the anchored element, or for text
   * the innermost element holding the whole range (the anchor's own tag
   * when outdated).
   */
  tag: string;
  /** Its index in `document.getElementsByTagName(tag)`; null: find it by `selector` + `quote`. */
  ordinal: number | null;
}

// ---------------------------------------------------------------------------
// Creating an anchor (in the browser, from a pick).

/**
 * Maps a reviewer's pick to a range of the page source. The element is the
 * `ordinal`-th `tag` in the source, accepted only when its text is the
 * quoted text (an element the browser made that the source lacks, such as
 * one a script added, would otherwise shift every later ordinal onto the
 * wrong element; an element without text, such as an image, is taken on
 * its ordinal alone). A text pick is the quote found inside that element,
 * repeated occurrences told apart by the text around them. When the pick
 * cannot be mapped, the anchor keeps only the selector and quote. The
 * returned `prefix` and `suffix` are read from the source, not taken from
 * the frame, so that resolving later compares like with like.
 */
export function createAnchor(text: Y.Text, pick: PickedTarget): AnchorInput {
  const selectorOnly: AnchorInput = {
    kind: pick.kind,
    start: null,
    end: null,
    tag: pick.tag,
    ordinal: pick.ordinal,
    selector: pick.selector,
    quote: pick.quote,
    prefix: pick.prefix,
    suffix: pick.suffix,
    ...(pick.point ? { point: pick.point } : {}),
    ...(pick.name ? { name: pick.name } : {}),
  };
  const html = text.toString();
  const elements = scanElements(html);
  const element = elementAt(elements, pick.tag, pick.ordinal);
  if (!element || isImplied(element)) return selectorOnly;
  const range = pick.kind === 'element' ? elementRange(html, element, pick.quote) : quoteRange(html, element, pick);
  if (!range) return selectorOnly;
  // Text is framed by the rest of its element's text (as the frame reads it); an element by the page text around it.
  const context = contextAround(html, elements, range.start, range.end, pick.kind === 'text' ? element : null);
  return {
    ...selectorOnly,
    start: encodePosition(text, range.start, 0),
    end: encodePosition(text, range.end, -1),
    prefix: context.before,
    suffix: context.after,
  };
}

interface Range {
  start: number;
  end: number;
}

function elementRange(html: string, element: SourceElement, quote: string): Range | null {
  if (!holdsQuote(html.slice(element.start, element.end), quote)) return null;
  return { start: element.start, end: element.end };
}

/**
 * Whether an element's source has the quoted text: its `textContent`
 * (whitespace aside) is the quote, or starts with it when the frame cut the
 * quote at the limit. Equality, not containment, so a parent or child with
 * the same text cannot pass for the element.
 */
function holdsQuote(elementSource: string, quote: string): boolean {
  const wanted = textKey(quote);
  if (wanted === '') return true;
  const key = contentTextKey(elementSource);
  return isCutQuote(quote) ? key.startsWith(wanted) : key === wanted;
}

/** The frame cuts quotes at the limit (then trims a space, and never splits a surrogate pair). */
function isCutQuote(quote: string): boolean {
  return quote.length >= REVIEW_LIMITS.quoteChars - 2;
}

/** Most occurrences of a quote inside one element weighed against the pick's context. */
const MAX_OCCURRENCES = 1_000;

function quoteRange(html: string, element: SourceElement, pick: PickedTarget): Range | null {
  const wanted = textKey(pick.quote);
  if (wanted === '' || element.startTagEnd >= element.end) return null;
  // The element may be the whole body: find the quote in its text first, then map just that back to the source.
  const key = textKey(contentText(html, element.startTagEnd, element.end));
  const prefix = textKey(pick.prefix);
  const suffix = textKey(pick.suffix);
  let best = -1;
  let bestScore = -1;
  let seen = 0;
  for (let at = key.indexOf(wanted); at !== -1 && seen < MAX_OCCURRENCES; at = key.indexOf(wanted, at + 1), seen++) {
    const score =
      commonSuffixLength(key.slice(Math.max(0, at - prefix.length), at), prefix) +
      commonPrefixLength(key.slice(at + wanted.length, at + wanted.length + suffix.length), suffix);
    if (score > bestScore) {
      best = at;
      bestScore = score;
    }
  }
  if (best < 0) return null;
  return sourceRangeOfText(html, element.startTagEnd, element.end, best, best + wanted.length - 1);
}

function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

// ---------------------------------------------------------------------------
// Context: the text right before and after a range.
//
// For text anchors the context is the rest of the text of the element that
// holds the quote (as the frame records it), so edits to other elements do
// not disturb it; on a side where that element has no more text, it is the
// page text beyond the element. Element anchors use the page text around
// them. Context is compared whitespace-free, on its characters nearest the
// range: `IDENTITY_CONTEXT_CHARS` of them to take a changed element or text
// for the anchored one, `COPY_CONTEXT_CHARS` to prefer one unchanged copy
// of the anchored source over another.

/** Source characters read on each side of a range for its context, doubled until there is enough text. */
const CONTEXT_WINDOW_CHARS = 1_024;
const CONTEXT_WINDOW_ROUNDS = 4;
const IDENTITY_CONTEXT_CHARS = 16;
const COPY_CONTEXT_CHARS = 4;

/**
 * The context recorded for a new anchor: up to `contextChars` characters
 * (as `textContent` reads them, whitespace collapsed) before `start` and
 * after `end`, inside `container` where it has text on that side. Reading
 * starts at an element's `<`, so the tokenizer never starts mid-tag.
 */
function contextAround(
  html: string,
  elements: readonly SourceElement[],
  start: number,
  end: number,
  container: SourceElement | null,
): { before: string; after: string } {
  const max = REVIEW_LIMITS.contextChars;
  const readBefore = (low: number) => {
    let text = '';
    for (let round = 0, span = CONTEXT_WINDOW_CHARS; round < CONTEXT_WINDOW_ROUNDS; round++, span *= 2) {
      const from = Math.max(low, elementStartAtOrBefore(elements, Math.max(0, start - span)));
      text = collapseWhitespace(contentText(html, from, start));
      if (text.length >= max || from === low) break;
    }
    return text.slice(Math.max(0, text.length - max));
  };
  const readAfter = (high: number) => {
    let text = '';
    for (let round = 0, span = CONTEXT_WINDOW_CHARS; round < CONTEXT_WINDOW_ROUNDS; round++, span *= 2) {
      const to = Math.min(high, elementStartAtOrAfter(elements, Math.min(html.length, end + span), html.length));
      text = collapseWhitespace(contentText(html, end, to));
      if (text.length >= max || to === high) break;
    }
    return text.slice(0, max);
  };
  const inside = (text: string) => textKey(text) !== '';
  const beforeInside = container ? readBefore(container.startTagEnd) : '';
  const afterInside = container ? readAfter(container.end) : '';
  return {
    before: inside(beforeInside) ? beforeInside : readBefore(0),
    after: inside(afterInside) ? afterInside : readAfter(html.length),
  };
}

/** The whitespace-free text around a range now, for comparing with an anchor's recorded context. */
interface Surroundings {
  mapped: MappedText;
  /** Key index of the first unit at or after the range start / end. */
  startKey: number;
  endKey: number;
  /** Key indexes where the holding element's text starts and ends (the window's ends for element anchors). */
  containerStart: number;
  containerEnd: number;
}

function surroundings(page: Page, start: number, end: number, container: SourceElement | null): Surroundings {
  const { html, elements } = page;
  const from = elementStartAtOrBefore(elements, Math.max(0, start - CONTEXT_WINDOW_CHARS));
  const to = elementStartAtOrAfter(elements, Math.min(html.length, end + CONTEXT_WINDOW_CHARS), html.length);
  const mapped = mappedTextKey(html, from, to);
  return {
    mapped,
    startKey: firstUnitFrom(mapped, start),
    endKey: firstUnitFrom(mapped, end),
    containerStart: container ? firstUnitFrom(mapped, container.startTagEnd) : 0,
    containerEnd: container ? firstUnitFrom(mapped, container.end) : mapped.key.length,
  };
}

function firstUnitFrom(mapped: MappedText, offset: number): number {
  let low = 0;
  let high = mapped.starts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (mapped.starts[mid] < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Up to `count` units of context before key index `at`: the holding element's text if it has any there, else the page's. */
function keyBefore(around: Surroundings, at: number, count: number): string {
  const low = at > around.containerStart ? around.containerStart : 0;
  return around.mapped.key.slice(Math.max(low, at - count), at);
}

function keyAfter(around: Surroundings, at: number, count: number): string {
  const high = at < around.containerEnd ? around.containerEnd : around.mapped.key.length;
  return around.mapped.key.slice(at, Math.min(high, at + count));
}

/** The recorded context's units nearest the range, as compared. */
function wantedContext(anchor: AnchorInput, chars: number): { before: string; after: string } {
  const before = textKey(anchor.prefix);
  return { before: before.slice(Math.max(0, before.length - chars)), after: textKey(anchor.suffix).slice(0, chars) };
}

/** Whether the context before key index `at` is the recorded one (nothing recorded: nothing there now either). */
function agreesBefore(around: Surroundings, at: number, wanted: string): boolean {
  return wanted === '' ? keyBefore(around, at, 1) === '' : keyBefore(around, at, wanted.length) === wanted;
}

function agreesAfter(around: Surroundings, at: number, wanted: string): boolean {
  return wanted === '' ? keyAfter(around, at, 1) === '' : keyAfter(around, at, wanted.length) === wanted;
}

/** Which sides of a range still have the text the anchor recorded around it. */
interface ContextAgreement {
  before: boolean;
  after: boolean;
  /** How many sides had text recorded (0 to 2). */
  recorded: number;
}

function contextAgreement(around: Surroundings, anchor: AnchorInput, chars: number): ContextAgreement {
  const wanted = wantedContext(anchor, chars);
  return {
    before: agreesBefore(around, around.startKey, wanted.before),
    after: agreesAfter(around, around.endKey, wanted.after),
    recorded: (wanted.before === '' ? 0 : 1) + (wanted.after === '' ? 0 : 1),
  };
}

/** How alike two short strings are: the Dice coefficient of their character trigrams (0 to 1). */
function trigramSimilarity(a: string, b: string): number {
  if (a.length < 3 || b.length < 3) return a === b ? 1 : 0;
  const counts = new Map<string, number>();
  for (let i = 0; i + 3 <= a.length; i++) {
    const gram = a.slice(i, i + 3);
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i + 3 <= b.length; i++) {
    const gram = b.slice(i, i + 3);
    const left = counts.get(gram) ?? 0;
    if (left > 0) {
      shared++;
      counts.set(gram, left - 1);
    }
  }
  return (2 * shared) / (a.length - 2 + b.length - 2);
}

/** Context at least this alike on one side marks an unchanged copy as the anchored text's surroundings, edited a little. */
const SIMILAR_CONTEXT = 0.5;

/**
 * Whether the text around a copy is still, on at least one side, mostly
 * the recorded context (all of it, up to `contextChars`, whitespace-free):
 * it tells the anchored text's own neighbourhood, lightly edited, from a
 * twin's somewhere else.
 */
function contextSimilar(around: Surroundings, anchor: AnchorInput): boolean {
  const before = textKey(anchor.prefix);
  const after = textKey(anchor.suffix);
  return (
    (before !== '' && trigramSimilarity(before, keyBefore(around, around.startKey, before.length)) >= SIMILAR_CONTEXT) ||
    (after !== '' && trigramSimilarity(after, keyAfter(around, around.endKey, after.length)) >= SIMILAR_CONTEXT)
  );
}

/** At least one recorded side still agrees (or nothing was recorded and nothing is there now): enough to accept an unchanged copy. */
function contextHolds(agreement: ContextAgreement): boolean {
  if (agreement.recorded === 0) return agreement.before && agreement.after;
  return agreement.before || agreement.after;
}

/**
 * Both sides agree: what it takes to call a changed element the same one.
 * One side is not enough: after two elements swap places, whichever now
 * sits where the anchored one was has the same text on one side.
 */
function contextSurrounds(agreement: ContextAgreement): boolean {
  return agreement.before && agreement.after;
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------------------
// Positions.

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** An encoded relative position is a few dozen bytes; anything longer is not one. */
const MAX_POSITION_CHARS = 256;

function encodePosition(text: Y.Text, index: number, assoc: number): string {
  return toBase64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, index, assoc)));
}

function decodePosition(encoded: string): Y.RelativePosition | null {
  if (encoded.length > MAX_POSITION_CHARS || encoded.length % 4 !== 0 || !BASE64.test(encoded)) return null;
  try {
    return Y.decodeRelativePosition(fromBase64(encoded));
  } catch {
    return null;
  }
}

interface Located {
  /** Index in the text now (for a deleted character: where it was). */
  index: number;
  /** Whether the character the position sticks to is still there. */
  alive: boolean;
}

/** Where a relative position points in `text`; null when it does not point at a character of `text`. */
function locate(text: Y.Text, position: Y.RelativePosition): Located | null {
  const doc = text.doc;
  const id = position.item;
  if (!doc || !id) return null;
  if (Y.getState(doc.store, id.client) <= id.clock) return null;
  let struct: Y.AbstractStruct;
  try {
    struct = Y.getItem(doc.store, id);
  } catch {
    return null;
  }
  // A garbage-collected struct has lost its parent: it cannot be shown to be this text's.
  if (!(struct instanceof Y.Item) || struct.parent !== text) return null;
  // Not following undone deletions: that would depend on this client's undo history.
  const absolute = Y.createAbsolutePositionFromRelativePosition(position, doc, false);
  if (!absolute || absolute.type !== text) return null;
  return { index: absolute.index, alive: !struct.deleted };
}

// ---------------------------------------------------------------------------
// Validating an anchor (on the server, when a thread is created).

export type DescribedAnchor = { ok: true; source: string; sourceHash: string } | { ok: false; reason: string };

const TAG_NAME = /^[a-z][^\s/>A-Z]*$/;
const MAX_TAG_CHARS = 100;

/**
 * Checks an anchor a client made against the page as the server has it, and
 * describes what it covers. The range must be the whole of one `tag`
 * element holding the quote (element anchors), or exactly the quoted text
 * inside a `tag` element (text anchors). Selector-only anchors need a
 * selector, and a quote for text.
 */
export function describeAnchorSource(text: Y.Text, anchor: AnchorInput): DescribedAnchor {
  const invalid = checkFields(anchor);
  if (invalid) return { ok: false, reason: invalid };
  if (anchor.start === null || anchor.end === null) {
    if (anchor.start !== anchor.end) return { ok: false, reason: 'anchor has only one end' };
    if (anchor.selector.trim() === '') return { ok: false, reason: 'an anchor without positions needs a selector' };
    if (anchor.kind === 'text' && textKey(anchor.quote) === '') return { ok: false, reason: 'a text anchor needs a quote' };
    return { ok: true, source: '', sourceHash: hashSource('') };
  }
  const startPosition = decodePosition(anchor.start);
  const endPosition = decodePosition(anchor.end);
  if (!startPosition || !endPosition) return { ok: false, reason: 'anchor points nowhere' };
  if (startPosition.assoc < 0 || endPosition.assoc >= 0) return { ok: false, reason: 'anchor ends are not a range' };
  const start = locate(text, startPosition);
  const end = locate(text, endPosition);
  if (!start || !end) return { ok: false, reason: 'anchor points nowhere' };
  if (!start.alive || !end.alive) return { ok: false, reason: 'anchor points at deleted content' };
  if (end.index <= start.index) return { ok: false, reason: 'anchor range is empty' };
  const html = text.toString();
  const elements = scanElements(html);
  const slice = html.slice(start.index, end.index);
  if (anchor.kind === 'element') {
    const element = elementStartingAt(elements, start.index);
    if (!element || element.tag !== anchor.tag || element.end !== end.index) {
      return { ok: false, reason: `anchor range is not one <${anchor.tag}> element` };
    }
    if (!holdsQuote(slice, anchor.quote)) return { ok: false, reason: 'anchored element does not hold the quoted text' };
  } else {
    const wanted = textKey(anchor.quote);
    if (wanted === '') return { ok: false, reason: 'a text anchor needs a quote' };
    const key = contentTextKey(slice);
    if (!(isCutQuote(anchor.quote) ? key.startsWith(wanted) : key === wanted)) {
      return { ok: false, reason: 'anchor range is not the quoted text' };
    }
    if (!elementContaining(elements, start.index, end.index, anchor.tag)) {
      return { ok: false, reason: `anchored text is not inside a <${anchor.tag}> element` };
    }
  }
  return { ok: true, source: capSource(slice), sourceHash: hashSource(slice) };
}

function checkFields(anchor: AnchorInput): string | null {
  if (!(ANCHOR_KINDS as readonly string[]).includes(anchor.kind)) return 'unknown anchor kind';
  if (anchor.tag.length > MAX_TAG_CHARS || !TAG_NAME.test(anchor.tag)) return 'anchor tag is not a lower-case tag name';
  if (!Number.isSafeInteger(anchor.ordinal) || anchor.ordinal < 0) return 'anchor ordinal is not a count';
  if (anchor.selector.length > REVIEW_LIMITS.selectorChars) return 'anchor selector is too long';
  if (anchor.quote.length > REVIEW_LIMITS.quoteChars) return 'anchor quote is too long';
  // The frame's context is up to `contextChars` characters; the API allows some slack for how they are counted.
  if (anchor.prefix.length > 2 * REVIEW_LIMITS.contextChars || anchor.suffix.length > 2 * REVIEW_LIMITS.contextChars) return 'anchor context is too long';
  return null;
}

/** The first `ANCHOR_SOURCE_CHARS` of a slice, not splitting a surrogate pair. */
function capSource(slice: string): string {
  if (slice.length <= ANCHOR_SOURCE_CHARS) return slice;
  const last = slice.charCodeAt(ANCHOR_SOURCE_CHARS - 1);
  return slice.slice(0, last >= 0xd800 && last <= 0xdbff ? ANCHOR_SOURCE_CHARS - 1 : ANCHOR_SOURCE_CHARS);
}

/**
 * A 64-bit string hash (cyrb53's mixing, both halves kept) as 16 hex
 * digits. Not cryptographic: it only tells whether an anchored slice
 * changed, and slices up to `ANCHOR_SOURCE_CHARS` are compared in full
 * anyway. Isomorphic and fast (a 16 MiB slice in well under 100 ms).
 */
export function hashSource(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------
// Resolving an anchor (everywhere, on every page change).

interface Page {
  html: string;
  elements: readonly SourceElement[];
}

/** What the anchor covered when it was written. */
interface Original {
  source: string;
  /** Whether `source` is all of it (else only its first `ANCHOR_SOURCE_CHARS`). */
  whole: boolean;
  hash: string;
}

function originalOf(anchor: AnchorView): Original {
  return { source: anchor.source, whole: hashSource(anchor.source) === anchor.sourceHash, hash: anchor.sourceHash };
}

/** Whether `html[start, end)` is the original source, byte for byte. */
function isOriginal(html: string, start: number, end: number, original: Original): boolean {
  if (original.whole) return end - start === original.source.length && html.startsWith(original.source, start);
  return end - start > original.source.length && html.startsWith(original.source, start) && hashSource(html.slice(start, end)) === original.hash;
}

/**
 * Where `anchor` stands in `text` now. Pass `elements` from
 * `scanElements(text.toString())` of the current state when resolving
 * many anchors: the scan remembers its source, so the page is read and
 * scanned once for all of them.
 */
export function resolveAnchor(text: Y.Text, anchor: AnchorView, elements?: readonly SourceElement[]): ResolvedAnchor {
  const page = pageOf(text, elements);
  if (anchor.start === null || anchor.end === null) return resolveSelectorOnly(page, anchor);
  const startPosition = decodePosition(anchor.start);
  const endPosition = decodePosition(anchor.end);
  const start = startPosition && locate(text, startPosition);
  const end = endPosition && locate(text, endPosition);
  if (!start || !end) return outdated(anchor);
  return anchor.kind === 'element' ? resolveElement(page, anchor, start, end) : resolveText(page, anchor, start, end);
}

function pageOf(text: Y.Text, elements: readonly SourceElement[] | undefined): Page {
  const scanned = elements && sourceOfScan(elements);
  if (elements && scanned !== undefined && scanned.length === text.length) return { html: scanned, elements };
  const html = text.toString();
  return { html, elements: scanElements(html) };
}

function outdated(anchor: AnchorInput): ResolvedAnchor {
  return { state: 'outdated', start: null, end: null, tag: anchor.tag, ordinal: null };
}

function atElement(state: AnchorState, element: SourceElement): ResolvedAnchor {
  return { state, start: element.start, end: element.end, tag: element.tag, ordinal: element.ordinal };
}

function resolveElement(page: Page, anchor: AnchorView, start: Located, end: Located): ResolvedAnchor {
  const { html, elements } = page;
  const original = originalOf(anchor);
  const here = start.alive ? elementStartingAt(elements, start.index) : null;
  if (here && here.tag === anchor.tag && isOriginal(html, here.start, here.end, original)) return atElement('ok', here);
  // The anchored element's own first and last characters still delimit one element of that tag, and it is still itself.
  if (here && here.tag === anchor.tag && end.alive && here.end === end.index && isSameElement(page, anchor, here)) {
    return atElement('changed', here);
  }
  const moved = findOriginalElement(page, anchor, original, start.index, end.index);
  return moved ? atElement('ok', moved) : outdated(anchor);
}

/**
 * Whether `element`, delimited by the anchor's own characters, is still the
 * anchored element. One that names itself (`id`, `name`, `data-*`) is, if
 * it still has those names. One that does not must also still have the
 * page text it had on both sides: after two similar elements swap places
 * the diff may have morphed one into the other, and whichever now sits
 * where the anchored one was has the same text on one side only.
 */
function isSameElement(page: Page, anchor: AnchorView, element: SourceElement): boolean {
  const before = parseStartTag(anchor.source, 0);
  const now = parseStartTag(page.html, element.start);
  if (!before || !now || before.tag !== now.tag) return false;
  const names = identifyingAttributes(before.attributes);
  if (names !== identifyingAttributes(now.attributes)) return false;
  return names !== '' || contextSurrounds(contextAgreement(surroundings(page, element.start, element.end, null), anchor, IDENTITY_CONTEXT_CHARS));
}

/** Most places close by that are checked for the anchored source. */
const MAX_CANDIDATES = 64;
/** How far from the CRDT range an unchanged copy of the anchored source is looked for. */
const SEARCH_MARGIN = 4_096;

/**
 * The anchored element's source, unchanged, near where the CRDT range is
 * now: a morph with a neighbour leaves the anchored element up to a whole
 * neighbour away from its old characters. Copies whose surroundings still
 * match win, then nearer ones. (An element that was deleted next to an
 * identical copy resolves 'ok' on the copy: same content.)
 */
function findOriginalElement(page: Page, anchor: AnchorView, original: Original, startIndex: number, endIndex: number): SourceElement | null {
  const { html, elements } = page;
  const low = Math.min(startIndex, endIndex);
  const high = Math.max(startIndex, endIndex);
  let best: SourceElement | null = null;
  let bestRank = Infinity;
  for (const at of occurrencesNear(html, original, startIndex, endIndex, SEARCH_MARGIN)) {
    const element = elementStartingAt(elements, at);
    if (!element || element.tag !== anchor.tag || !isOriginal(html, element.start, element.end, original)) continue;
    const agreement = contextAgreement(surroundings(page, element.start, element.end, null), anchor, COPY_CONTEXT_CHARS);
    const distance = rangeDistance(element.start, element.end, low, high);
    const rank = ((agreement.before ? 0 : 1) + (agreement.after ? 0 : 1)) * html.length + distance;
    if (rank < bestRank) {
      best = element;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * Offsets where the original source (its stored head) starts, within a
 * window around the CRDT range: the range's (or the source's) length plus
 * `margin` on each side, so a moved or morphed element is found but a
 * far-away copy is not.
 */
function occurrencesNear(html: string, original: Original, startIndex: number, endIndex: number, margin: number): number[] {
  const needle = original.source;
  if (needle === '') return [];
  const low = Math.min(startIndex, endIndex);
  const high = Math.max(startIndex, endIndex);
  const reach = 2 * Math.max(high - low, needle.length) + margin;
  const from = Math.max(0, low - reach);
  const window = html.slice(from, Math.min(html.length, high + reach + needle.length));
  const found: number[] = [];
  for (let at = window.indexOf(needle); at !== -1 && found.length < MAX_CANDIDATES; at = window.indexOf(needle, at + 1)) {
    found.push(from + at);
  }
  return found;
}

/** The attributes that name an element; a change to them means another element, not an edit of this one. */
function isIdentifying(attribute: string): boolean {
  return attribute === 'id' || attribute === 'name' || attribute.startsWith('data-');
}

/** The identifying attributes of a start tag, as one comparable string ('' when it has none). */
function identifyingAttributes(attributes: Map<string, string>): string {
  return [...attributes]
    .filter(([name]) => isIdentifying(name))
    .map(([name, value]) => `${name}=${value}`)
    .sort()
    .join('\u0000');
}

function resolveText(page: Page, anchor: AnchorView, start: Located, end: Located): ResolvedAnchor {
  const { html } = page;
  const original = originalOf(anchor);
  if (end.index > start.index && isOriginal(html, start.index, end.index, original)) {
    return atText('ok', page, anchor, start.index, end.index);
  }
  const moved = findOriginalText(page, anchor, original, start.index, end.index);
  if (moved) return atText('ok', page, anchor, moved.start, moved.end);
  const changed = changedTextRange(page, anchor, start, end);
  return changed ? atText('changed', page, anchor, changed.start, changed.end) : outdated(anchor);
}

/** Key units a replacement next to a deleted end may take before the recorded context resumes. */
const REPLACEMENT_SLACK = 64;

/**
 * Where the anchored text is now that it changed: one of its own ends is
 * still there, and the text recorded before and after it still frames it,
 * inside a `tag` element. A deleted end moves to the gap it left, and the
 * agent's replacement may sit beside that gap, so on that side the context
 * may start up to `REPLACEMENT_SLACK` units further out; the range then
 * covers the replacement.
 */
function changedTextRange(page: Page, anchor: AnchorView, start: Located, end: Located): Range | null {
  const { elements } = page;
  if (!(start.alive || end.alive) || end.index <= start.index) return null;
  const container = elementContaining(elements, start.index, end.index, anchor.tag);
  if (!container) return null;
  const around = surroundings(page, start.index, end.index, container);
  const wanted = wantedContext(anchor, IDENTITY_CONTEXT_CHARS);
  let from = -1;
  const lowest = start.alive ? around.startKey : Math.max(0, around.startKey - REPLACEMENT_SLACK);
  for (let at = around.startKey; at >= lowest && from < 0; at--) if (agreesBefore(around, at, wanted.before)) from = at;
  let to = -1;
  const highest = end.alive ? around.endKey : Math.min(around.mapped.key.length, around.endKey + REPLACEMENT_SLACK);
  for (let at = around.endKey; at <= highest && to < 0; at++) if (agreesAfter(around, at, wanted.after)) to = at;
  if (from < 0 || to <= from) return null;
  const range = { start: around.mapped.starts[from], end: around.mapped.ends[to - 1] };
  return elementContaining(elements, range.start, range.end, anchor.tag) ? range : null;
}

/** A text range: pinned to the innermost `tag` element holding it, else the innermost element. */
function atText(state: AnchorState, page: Page, anchor: AnchorInput, start: number, end: number): ResolvedAnchor {
  const element = elementContaining(page.elements, start, end, anchor.tag) ?? elementContaining(page.elements, start, end);
  return { state, start, end, tag: element ? element.tag : anchor.tag, ordinal: element ? element.ordinal : null };
}

/**
 * The anchored text, unchanged, near the CRDT range: it must be page text
 * (not an attribute or a script that happens to hold the same characters)
 * inside a `tag` element, and either touch the range (where a slide of the
 * diff leaves it) or still have its recorded context on one side: its
 * nearest characters exactly, or most of it.
 */
function findOriginalText(page: Page, anchor: AnchorView, original: Original, startIndex: number, endIndex: number): Range | null {
  if (!original.whole) return null;
  const { html, elements } = page;
  const wanted = contentTextKey(original.source);
  let best: Range | null = null;
  let bestRank = Infinity;
  for (const at of occurrencesNear(html, original, startIndex, endIndex, SEARCH_MARGIN)) {
    const end = at + original.source.length;
    const container = elementContaining(elements, at, end, anchor.tag);
    if (!container) continue;
    const around = surroundings(page, at, end, container);
    if (around.mapped.starts[around.startKey] !== at || around.mapped.key.slice(around.startKey, around.endKey) !== wanted) continue;
    const agreement = contextAgreement(around, anchor, COPY_CONTEXT_CHARS);
    // A copy that touches the CRDT range is where a slide put it; one further away needs its context.
    const distance = rangeDistance(at, end, startIndex, endIndex);
    if (distance > 0 && !contextHolds(agreement) && !contextSimilar(around, anchor)) continue;
    const rank = ((agreement.before ? 0 : 1) + (agreement.after ? 0 : 1)) * html.length + distance;
    if (rank < bestRank) {
      best = { start: at, end };
      bestRank = rank;
    }
  }
  return best;
}

/** How far apart [a, b) and the range between `c` and `d` are; 0 when they overlap or touch. */
function rangeDistance(a: number, b: number, c: number, d: number): number {
  const low = Math.min(c, d);
  const high = Math.max(c, d);
  return b < low ? low - b : a > high ? a - high : 0;
}

/** The longest run of ASCII letters and digits in `text` (characters a page never needs to escape). */
function longestWord(text: string): string {
  let best = '';
  for (const word of text.split(/[^A-Za-z0-9]+/)) if (word.length > best.length) best = word;
  return best;
}

/** Page text of scans already used for selector-only anchors. */
const pageTextKeys = new WeakMap<readonly SourceElement[], string>();

/** A selector-only anchor is 'ok' while its quote is somewhere on the page; the frame finds it by selector. */
function resolveSelectorOnly(page: Page, anchor: AnchorInput): ResolvedAnchor {
  const wanted = textKey(anchor.quote);
  // Reading a big page's text costs a second; a word of the quote missing from the source settles it first.
  const word = longestWord(anchor.quote);
  if (word.length >= 4 && !page.html.includes(word)) return { state: 'outdated', start: null, end: null, tag: anchor.tag, ordinal: null };
  let key = pageTextKeys.get(page.elements);
  if (key === undefined) {
    key = contentTextKey(page.html);
    pageTextKeys.set(page.elements, key);
  }
  const state: AnchorState = wanted === '' || key.includes(wanted) ? 'ok' : 'outdated';
  return { state, start: null, end: null, tag: anchor.tag, ordinal: null };
}

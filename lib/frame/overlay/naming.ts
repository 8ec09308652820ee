/*
 * Naming what a reviewer picked: tag, ordinal, selector, quote.
 */
import {
  MAX_CONTEXT_LENGTH,
  MAX_QUOTE_LENGTH,
  MAX_SELECTOR_LENGTH,
  MAX_TAG_LENGTH,
  TAG_NAME_PATTERN,
  type ElementTargetShape,
} from '../../sandbox/limits';
import {
  bodyOf,
  collectionItem,
  collectionLength,
  cssEscape,
  doc,
  getAttribute,
  getElementsByTagNameDoc,
  getTextContent,
  localNameOf,
  nodeListItem,
  nodeListLength,
  nodeType,
  parentOf,
  previousElementSiblingOf,
  querySelectorAllDoc,
} from '../intrinsics';
import { clipHead, clipTail, collapse } from '../text';

/** Raw text read around a quote: plenty for 64 collapsed characters, bounded for huge pages. */
const CONTEXT_SCAN = 4096;
const QUOTE_SCAN = 16384;

export const isPlainTag = (name: string): boolean => name.length <= MAX_TAG_LENGTH && TAG_NAME_PATTERN.test(name);
export const isElementNode = (x: unknown): x is Element => {
  try {
    return nodeType(x as Node) === 1;
  } catch {
    return false; // a Window or another non-Node event target
  }
};

/**
 * The node itself or its nearest ancestor element with a plain lower-case
 * tag name (so `document.getElementsByTagName(tag)` finds it), provided it
 * is <body> or inside it; else null.
 */
export const namedElementFrom = (node: unknown): Element | null => {
  const body = bodyOf(doc);
  if (body === null) return null;
  let el = node as Node | null;
  while (el !== null && !(isElementNode(el) && isPlainTag(localNameOf(el)))) el = parentOf(el);
  for (let e: Node | null = el; e !== null; e = parentOf(e)) if (e === body) return el as Element;
  return null;
};
/** As namedElementFrom, but never <body> itself: a comment on the whole page is not a pick. */
export const pickableFrom = (node: unknown): Element | null => {
  const el = namedElementFrom(node);
  return el === bodyOf(doc) ? null : el;
};

export const ordinalOf = (el: Element, tag: string): number => {
  const list = getElementsByTagNameDoc(doc, tag);
  const count = collectionLength(list);
  for (let i = 0; i < count; i++) if (collectionItem(list, i) === el) return i;
  return 0; // unreachable for a connected element
};

const isUniqueMatch = (selector: string, el: Element): boolean => {
  try {
    const found = querySelectorAllDoc(doc, selector);
    return nodeListLength(found) === 1 && nodeListItem(found, 0) === el;
  } catch {
    return false; // not a selector this browser parses
  }
};

const typeIndexOf = (el: Element): number => {
  const name = localNameOf(el);
  let n = 1;
  for (let s = previousElementSiblingOf(el); s !== null; s = previousElementSiblingOf(s)) if (localNameOf(s) === name) n++;
  return n;
};

/**
 * `#id` when that id is unique, else `body > tag:nth-of-type(n) > …`. A path
 * too long for the limit keeps its innermost steps (still a valid selector,
 * found by the quote check).
 */
export const selectorFor = (el: Element): string => {
  const body = bodyOf(doc);
  if (el === body) return 'body';
  const id = getAttribute(el, 'id');
  if (id !== null && id !== '') {
    const byId = `#${cssEscape(id)}`;
    if (byId.length <= MAX_SELECTOR_LENGTH && isUniqueMatch(byId, el)) return byId;
  }
  const steps: string[] = [];
  let length = 'body'.length;
  for (let e: Node | null = el; e !== null && e !== body; e = parentOf(e)) {
    const step = `${cssEscape(localNameOf(e as Element))}:nth-of-type(${typeIndexOf(e as Element)})`;
    if (length + 3 + step.length > MAX_SELECTOR_LENGTH) return steps.reverse().join(' > ');
    steps.push(step);
    length += 3 + step.length;
  }
  steps.push('body');
  return steps.reverse().join(' > ');
};

export const describeElement = (el: Element): ElementTargetShape => {
  const tag = localNameOf(el);
  const text = collapse(clipHead(getTextContent(el) || '', QUOTE_SCAN)).trim();
  return {
    kind: 'element',
    tag,
    ordinal: ordinalOf(el, tag),
    selector: selectorFor(el),
    quote: clipHead(text, MAX_QUOTE_LENGTH).trim(),
    prefix: '',
    suffix: '',
  };
};

/**
 * Quote, prefix and suffix from the raw text before, inside and after a
 * selection. Whitespace at the ends of the selection moves out into the
 * context, so the quote is trimmed but a word boundary next to it is kept.
 * A quote past the limit is cut, and what was cut starts the suffix.
 */
export const splitQuote = (beforeRaw: string, selectedRaw: string, afterRaw: string): { quote: string; prefix: string; suffix: string } | null => {
  let quote = collapse(clipHead(selectedRaw, QUOTE_SCAN));
  let before = collapse(clipTail(beforeRaw, CONTEXT_SCAN));
  let after = collapse(clipHead(afterRaw, CONTEXT_SCAN));
  if (quote.charCodeAt(0) === 32) {
    quote = quote.slice(1);
    if (before !== '' && !before.endsWith(' ')) before += ' ';
  }
  if (quote.endsWith(' ')) {
    quote = quote.slice(0, -1);
    if (after !== '' && !after.startsWith(' ')) after = ` ${after}`;
  }
  if (quote === '') return null;
  if (quote.length > MAX_QUOTE_LENGTH) {
    const kept = clipHead(quote, MAX_QUOTE_LENGTH).trimEnd();
    after = quote.slice(kept.length) + after;
    quote = kept;
  }
  return { quote, prefix: clipTail(before, MAX_CONTEXT_LENGTH), suffix: clipHead(after, MAX_CONTEXT_LENGTH) };
};

/** The label drawn on the pick outline: `tag` or `tag#id`. */
export const tagLabel = (el: Element): string => {
  const id = getAttribute(el, 'id');
  return clipHead(id ? `${localNameOf(el)}#${id}` : localNameOf(el), 60);
};

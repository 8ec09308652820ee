/**
 * Names what a reviewer picked in words they read on the page: "chart in
 * Impact", "“Latency rose after the deploy…” in Timeline", "table in
 * Results", "image: Error rate by region". The thread card shows it
 * (`AnchorInput.name`), instead of a tag name.
 *
 * Pure: reads the element and the document it is in, changes nothing. In the
 * frame the page's own scripts may have replaced DOM methods, so the caller
 * treats a throw as "no name".
 */

/** Longest quoted text in a name, before an ellipsis. */
const QUOTE_WORDS_CHARS = 40;
/** Longest heading in a name. */
const HEADING_CHARS = 48;
/** `AnchorInput.name` is at most this long (REVIEW_LIMITS.nameChars). */
export const MAX_NAME_CHARS = 200;

const SVG_NS = 'http://www.w3.org/2000/svg';
const HEADINGS = 'h1, h2, h3, h4, h5, h6, [role="heading"]';

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Cuts at a word boundary near `max` characters and adds an ellipsis. */
export function shorten(text: string, max: number): string {
  const t = collapse(text);
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:–—-]+$/, '')}…`;
}

const quoted = (text: string): string => `“${shorten(text, QUOTE_WORDS_CHARS)}”`;

/** The label an author gave the element (aria-label, an SVG <title>, alt, title). */
function labelOf(el: Element): string {
  const aria = el.getAttribute('aria-label');
  if (aria && collapse(aria)) return collapse(aria);
  if (el.namespaceURI === SVG_NS) {
    for (const child of Array.from(el.children)) {
      if (child.localName === 'title' && collapse(child.textContent ?? '')) return collapse(child.textContent ?? '');
    }
  }
  const alt = el.getAttribute('alt');
  if (alt && collapse(alt)) return collapse(alt);
  const title = el.getAttribute('title');
  return title ? collapse(title) : '';
}

/** The outermost graphic the element belongs to: an <svg> (the outermost one) or a <canvas>. */
function graphicOf(el: Element): Element | null {
  let graphic: Element | null = null;
  for (let node: Element | null = el; node !== null; node = node.parentElement) {
    if (node.localName === 'canvas' || (node.localName === 'svg' && node.namespaceURI === SVG_NS)) graphic = node;
  }
  return graphic;
}

/** A word for what the element is, when its text does not say. */
function kindOf(el: Element): string {
  const role = el.getAttribute('role');
  if (role === 'img' || role === 'figure') return 'figure';
  switch (el.localName) {
    case 'img':
    case 'picture':
      return 'image';
    case 'video':
      return 'video';
    case 'audio':
      return 'audio player';
    case 'table':
    case 'thead':
    case 'tbody':
    case 'tfoot':
    case 'tr':
    case 'td':
    case 'th':
    case 'caption':
      return 'table';
    case 'ul':
    case 'ol':
    case 'dl':
      return 'list';
    case 'li':
      return 'list item';
    case 'pre':
    case 'code':
      return 'code';
    case 'hr':
      return 'divider';
    case 'input':
    case 'select':
    case 'textarea':
      return 'field';
    case 'button':
      return 'button';
    case 'a':
      return 'link';
    case 'figure':
      return 'figure';
    case 'iframe':
    case 'embed':
    case 'object':
      return 'embedded content';
    case 'form':
      return 'form';
    case 'nav':
      return 'navigation';
    case 'header':
      return 'header';
    case 'footer':
      return 'footer';
    case 'section':
    case 'article':
    case 'main':
    case 'aside':
      return 'section';
    default:
      return 'element';
  }
}

/** The heading the element sits under: the nearest heading before it in document order (not inside it). */
function headingOf(el: Element): Element | null {
  const doc = el.ownerDocument;
  let found: Element | null = null;
  for (const heading of Array.from(doc.querySelectorAll(HEADINGS))) {
    if (heading === el || el.contains(heading)) break;
    // DOCUMENT_POSITION_FOLLOWING (4): the heading comes after el.
    if (el.compareDocumentPosition(heading) & 4) break;
    if (collapse(heading.textContent ?? '')) found = heading;
  }
  return found;
}

function isHeading(el: Element): boolean {
  return /^h[1-6]$/.test(el.localName) || el.getAttribute('role') === 'heading';
}

/**
 * What the element is, in words. A text pick passes the selected text as
 * `quote`; an element pick names the element by its text, its label, or
 * what kind of thing it is, and by the heading it sits under.
 */
export function describePicked(el: Element, quote?: string): string {
  let what: string;
  const graphic = graphicOf(el);
  if (quote !== undefined && collapse(quote)) {
    what = quoted(quote);
  } else if (graphic !== null) {
    const label = labelOf(graphic);
    what = label ? `chart “${shorten(label, QUOTE_WORDS_CHARS)}”` : 'chart';
  } else if (isHeading(el)) {
    const text = collapse(el.textContent ?? '');
    return text ? shorten(`heading “${shorten(text, HEADING_CHARS)}”`, MAX_NAME_CHARS) : 'heading';
  } else {
    const kind = kindOf(el);
    const label = labelOf(el);
    const text = collapse(el.textContent ?? '');
    if (kind === 'image' || kind === 'figure') {
      const caption = el.localName === 'figure' ? collapse(el.querySelector('figcaption')?.textContent ?? '') : '';
      const words = label || caption;
      what = words ? `${kind}: ${shorten(words, QUOTE_WORDS_CHARS)}` : kind;
    } else if (kind === 'table' || kind === 'list' || kind === 'code' || kind === 'section' || kind === 'form' || kind === 'navigation') {
      // Text of a whole block reads as noise; say what it is.
      what = label ? `${kind} “${shorten(label, QUOTE_WORDS_CHARS)}”` : kind;
    } else if (text) {
      what = kind === 'element' || kind === 'list item' ? quoted(text) : `${kind} ${quoted(text)}`;
    } else if (label) {
      what = `${kind} “${shorten(label, QUOTE_WORDS_CHARS)}”`;
    } else {
      what = kind;
    }
  }
  const heading = headingOf(graphic ?? el);
  const where = heading ? ` in ${shorten(heading.textContent ?? '', HEADING_CHARS)}` : '';
  return shorten(`${what}${where}`, MAX_NAME_CHARS);
}

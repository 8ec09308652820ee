/**
 * What a thread is about, in the words its card shows. New anchors carry a
 * `name` the frame made from the page when the reviewer picked
 * (lib/frame/overlay/describe.ts: "chart in Impact"); anchors written before
 * that get one from what they kept: their quote, or a word for their tag.
 * Never a raw tag name. Isomorphic and pure.
 */
import type { AnchorInput } from './types';

const QUOTE_CHARS = 40;

const GRAPHIC_TAGS = new Set(['svg', 'canvas', 'g', 'path', 'polyline', 'polygon', 'line', 'rect', 'circle', 'ellipse', 'text', 'tspan', 'use', 'image']);
const TAG_WORDS: Record<string, string> = {
  img: 'image',
  picture: 'image',
  video: 'video',
  audio: 'audio player',
  table: 'table',
  thead: 'table',
  tbody: 'table',
  tr: 'table',
  td: 'table',
  th: 'table',
  ul: 'list',
  ol: 'list',
  dl: 'list',
  pre: 'code',
  hr: 'divider',
  figure: 'figure',
  input: 'field',
  select: 'field',
  textarea: 'field',
  button: 'button',
  h1: 'heading',
  h2: 'heading',
  h3: 'heading',
  h4: 'heading',
  h5: 'heading',
  h6: 'heading',
};

function shortQuote(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= QUOTE_CHARS) return `“${t}”`;
  const cut = t.slice(0, QUOTE_CHARS);
  const space = cut.lastIndexOf(' ');
  return `“${(space > QUOTE_CHARS / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:–—-]+$/, '')}…”`;
}

/** A word for an element of this tag: "chart", "image", "table"…, or "element". */
export function tagWord(tag: string): string {
  if (GRAPHIC_TAGS.has(tag)) return 'chart';
  return TAG_WORDS[tag] ?? 'element';
}

/** The words for what an anchor points at: its `name`, else its quote, else a word for its tag. */
export function anchorName(anchor: Pick<AnchorInput, 'kind' | 'tag' | 'quote' | 'name'>): string {
  if (anchor.name && anchor.name.trim()) return anchor.name.trim();
  const quote = anchor.quote.trim();
  if (quote) return shortQuote(quote);
  return tagWord(anchor.tag);
}

/** Whether a card should show the anchor's quote under its name (the name does not already say all of it). */
export function quoteAddsToName(anchor: Pick<AnchorInput, 'kind' | 'tag' | 'quote' | 'name'>): boolean {
  const quote = anchor.quote.replace(/\s+/g, ' ').trim();
  if (!quote) return false;
  return !anchorName(anchor).includes(`“${quote}”`);
}

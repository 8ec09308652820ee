/**
 * The incremental HTML engine against parse5's full parse: after every change,
 * the page with the re-parsed region spliced in must be the page a full parse
 * of the new source gives (or the engine must decline and the page is
 * rendered whole), and the positions it keeps must be a full parse's.
 */
import { describe, expect, it } from 'vitest';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { HtmlSource, absoluteStart, type SourceNode } from '../../lib/frame/source/html-source';
import { Rope } from '../../lib/frame/source/rope';
import { align, openSource } from '../../lib/frame/source/format';
import type { DeltaOp } from '../../lib/sandbox/limits';
import { page, pick, rng } from '../helpers/pages';

type P5Node = DefaultTreeAdapterMap['node'];
type P5Parent = DefaultTreeAdapterMap['parentNode'];

const SNIPPETS = [
  'word', ' ', '<p>', '</p>', '<div>', '</div>', '<b>', '</b>', '<i>x</i>', '<li>', '</li>', '<ul>', '</ul>',
  '<table>', '<tr><td>', '</td></tr>', '</table>', '<!--', '-->', '<!-- c -->', '<script>', '</script>', '&amp;', '&',
  '\r\n', '\r', '😀', '<br>', '<img src=x>', '<svg>', '</svg>', '<circle/>', '<', '>', '"', "'", '<section>', '</section>',
  '<h2>T</h2>', '<a href="#">', '</a>', '<p>new paragraph</p>', '<template><p>t</p></template>', '<select><option>o',
  '<body class=x>', '<html lang=fr>', '<textarea>', '</textarea>', '<form>', '</form>', '<noscript><p>n</p></noscript>',
];

/** A structural dump of a parse5 tree: names, namespaces, attributes, text. */
function dump(node: P5Node, out: string[] = [], depth = 0): string[] {
  const pad = ' '.repeat(depth);
  if ('tagName' in node) {
    const attrs = node.attrs.map((a) => `${a.prefix ?? ''}:${a.name}=${JSON.stringify(a.value)}`).join(' ');
    out.push(`${pad}<${node.namespaceURI} ${node.tagName} ${attrs}>`);
    const kids = node.tagName === 'template' && 'content' in node ? (node as DefaultTreeAdapterMap['template']).content.childNodes : node.childNodes;
    for (const child of kids) dump(child, out, depth + 1);
  } else if (node.nodeName === '#text') out.push(`${pad}${JSON.stringify((node as DefaultTreeAdapterMap['textNode']).value)}`);
  else if (node.nodeName === '#comment') out.push(`${pad}<!--${JSON.stringify((node as DefaultTreeAdapterMap['commentNode']).data)}-->`);
  else if (node.nodeName === '#documentType') out.push(`${pad}<!doctype ${(node as DefaultTreeAdapterMap['documentType']).name}>`);
  else for (const child of (node as P5Parent).childNodes) dump(child, out, depth + 1);
  return out;
}

/** The positions of a tree, absolute, in document order. */
function positions(root: SourceNode): string[] {
  const out: string[] = [];
  const walk = (node: SourceNode, at: number) => {
    out.push(`${node.kind} ${node.name} ${at} ${node.length} ${node.contentStart} ${node.contentEnd}`);
    for (const child of node.children) walk(child, at + child.start);
  };
  walk(root, 0);
  return out;
}

function childList(node: P5Node): P5Node[] {
  if (!('childNodes' in node)) return [];
  if ('tagName' in node && node.tagName === 'template' && 'content' in node) return (node as DefaultTreeAdapterMap['template']).content.childNodes;
  return (node as P5Parent).childNodes;
}

/** The reader's page: a parse5 document kept up to date from the engine's updates, like the frame keeps its DOM. */
class Reader {
  source: HtmlSource;
  document: DefaultTreeAdapterMap['document'];
  text: string;
  incremental = 0;
  full = 0;
  last: unknown = null;
  before = '';

  constructor(text: string) {
    const { source, document } = HtmlSource.parse(text);
    this.source = source;
    this.document = document;
    this.text = text;
  }

  /** One animation frame's worth of edits, each as a Y.Text-style delta. */
  edit(edits: { at: number; remove: number; insert: string }[]): void {
    this.before = this.text;
    this.last = { edits };
    for (const { at, remove, insert } of edits) {
      const ops: DeltaOp[] = [];
      if (at > 0) ops.push({ retain: at });
      if (insert !== '') ops.push({ insert });
      if (remove > 0) ops.push({ delete: remove });
      this.text = this.text.slice(0, at) + insert + this.text.slice(at + remove);
      expect(this.source.apply(ops, this.text.length)).toBe(true);
    }
    const update = this.source.update();
    if (update === null) {
      this.full += 1;
      this.document = this.source.reset();
      return;
    }
    if (update === 'clean') return;
    this.incremental += 1;
    this.last = { context: update.context, text: update.text, from: update.from, to: update.to };
    const parent = update.parent.ref as P5Node;
    const list = childList(parent);
    const nodes = update.fragment.childNodes;
    for (const node of nodes) node.parentNode = parent as P5Parent;
    list.splice(update.from, update.to - update.from, ...nodes);
  }

  check(label: string): void {
    expect(this.source.rope.toString(), label).toBe(this.text);
    const full = parse(this.text, { scriptingEnabled: false });
    expect(dump(this.document).join('\n'), `${label}: ${JSON.stringify(this.last)} on ${JSON.stringify(this.before)}`).toBe(dump(full).join('\n'));
  }

  checkPositions(label: string): void {
    expect(positions(this.source.root!), label).toEqual(positions(HtmlSource.parse(this.text).source.root!));
  }
}

function randomEdit(random: () => number, text: string): { at: number; remove: number; insert: string } {
  let at = Math.floor(random() * (text.length + 1));
  const r = random();
  let remove = r < 0.4 ? 0 : Math.min(text.length - at, Math.floor(random() * (r < 0.9 ? 12 : 200)));
  // Keep surrogate pairs whole, as editors and the server's diff do.
  if (at > 0 && /[\uD800-\uDBFF]/.test(text[at - 1])) at -= 1;
  if (at + remove < text.length && at + remove > 0 && /[\uD800-\uDBFF]/.test(text[at + remove - 1])) remove += 1;
  const insert = random() < 0.3 ? '' : Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(random, SNIPPETS)).join('');
  return { at, remove: insert === '' && remove === 0 ? 1 : remove, insert };
}

/** An edit of the text inside one paragraph: what an agent's one-paragraph change is. */
function paragraphEdit(random: () => number, text: string): { at: number; remove: number; insert: string } | null {
  const starts: number[] = [];
  for (let i = text.indexOf('<p>'); i >= 0; i = text.indexOf('<p>', i + 1)) starts.push(i);
  if (starts.length === 0) return null;
  const open = pick(random, starts) + 3;
  const close = text.indexOf('</p>', open);
  if (close < 0) return null;
  const inner = text.slice(open, close);
  // Only real paragraphs (a "<p>" inside a script is not one).
  if (!/^(?:[^<]|<\/?(?:b|a|code)\b[^>]*>)*$/.test(inner)) return null;
  // Edits of the text between tags, never inside a tag or an entity (an edit that breaks markup is not a text edit).
  const segments: [number, number][] = [];
  const re = /(?:^|>)([^<]+)/g;
  for (let m = re.exec(inner); m !== null; m = re.exec(inner)) {
    const from = m.index + (m[0].startsWith('>') ? 1 : 0);
    segments.push([open + from, open + from + m[1].length]);
  }
  const r = random();
  if (r < 0.2 || segments.length === 0) return { at: open, remove: inner.length, insert: 'A rewritten paragraph about the <b>rollback</b>.' };
  const [from, to] = pick(random, segments);
  const boundaries: number[] = [];
  for (let i = from; i <= to; i++) {
    const before = text.slice(from, i);
    const entityOpen = /&[^;\s]*$/.test(before) && /^[^;\s]*;/.test(text.slice(i, to));
    const splitsPair = /[\uD800-\uDBFF]/.test(text[i - 1] ?? '');
    if (!entityOpen && !splitsPair) boundaries.push(i);
  }
  const at = pick(random, boundaries);
  if (r < 0.7) return { at, remove: 0, insert: ` ${pick(random, ['word', 'p99', 'naïve', '😀', '&amp;', 'rollback'])}` };
  const end = boundaries.filter((i) => i > at && i <= at + 8);
  return end.length > 0 ? { at, remove: pick(random, end) - at, insert: '' } : { at, remove: 0, insert: 'x' };
}

describe('Rope', () => {
  it('applies deltas and reads ranges like a string, across chunk boundaries', () => {
    const random = rng(99);
    let text = 'x'.repeat(50_000);
    const rope = new Rope(text);
    for (let i = 0; i < 2000; i++) {
      const at = Math.floor(random() * (text.length + 1));
      const remove = Math.min(text.length - at, Math.floor(random() * (random() < 0.1 ? 20_000 : 30)));
      const insert = random() < 0.05 ? 'y'.repeat(Math.floor(random() * 40_000)) : 'abc'.slice(0, Math.floor(random() * 4));
      const ops: DeltaOp[] = [{ retain: at }, { insert }, { delete: remove }].filter(
        (op) => !('retain' in op && op.retain === 0) && !('insert' in op && op.insert === '') && !('delete' in op && op.delete === 0),
      );
      text = text.slice(0, at) + insert + text.slice(at + remove);
      if (ops.length > 0) expect(rope.apply(ops, text.length)).toBe(true);
      expect(rope.length).toBe(text.length);
      const from = Math.floor(random() * (text.length + 1));
      const to = from + Math.floor(random() * 30_000);
      expect(rope.slice(from, to)).toBe(text.slice(from, to));
    }
    expect(rope.toString()).toBe(text);
  });

  it('refuses a delta that does not fit, changing nothing', () => {
    const rope = new Rope('hello');
    expect(rope.apply([{ retain: 6 }, { insert: 'x' }], 6)).toBe(false);
    expect(rope.apply([{ retain: 5 }, { insert: 'x' }], 7)).toBe(false);
    expect(rope.apply([{ delete: 6 }], 0)).toBe(false);
    expect(rope.toString()).toBe('hello');
  });
});

describe('HtmlSource: splicing the re-parsed region equals the full parse', () => {
  it('for thousands of random edits of real-looking pages (or it declines)', { timeout: 120_000 }, () => {
    let incremental = 0;
    let full = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const random = rng(seed);
      const reader = new Reader(page(random, 3 + Math.floor(random() * 4), seed % 5 === 0 ? '\r\n' : '\n'));
      for (let step = 0; step < 40; step++) {
        // One animation frame's worth: one or two edits.
        const edits = Array.from({ length: 1 + Math.floor(random() * 2) }, () =>
          (random() < 0.5 ? paragraphEdit(random, reader.text) : null) ?? randomEdit(random, reader.text),
        );
        // Apply one at a time so each edit sees the text the previous one made.
        const applied: { at: number; remove: number; insert: string }[] = [];
        let text = reader.text;
        for (const edit of edits) {
          const fixed = { ...edit, at: Math.min(edit.at, text.length) };
          fixed.remove = Math.min(fixed.remove, text.length - fixed.at);
          applied.push(fixed);
          text = text.slice(0, fixed.at) + fixed.insert + text.slice(fixed.at + fixed.remove);
        }
        reader.edit(applied);
        reader.check(`seed ${seed} step ${step}`);
      }
      reader.checkPositions(`seed ${seed}`);
      incremental += reader.incremental;
      full += reader.full;
    }
    // Random edits break pages in every way; the engine still patches a fair share of them in place.
    expect(incremental).toBeGreaterThan(0);
    console.log(`random edits: ${incremental} patched in place, ${full} full renders`);
  });

  it('patches nearly every text edit inside a paragraph in place', { timeout: 120_000 }, () => {
    let incremental = 0;
    let full = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const random = rng(1000 + seed);
      const reader = new Reader(page(random, 8));
      for (let step = 0; step < 100; step++) {
        let edit = paragraphEdit(random, reader.text);
        for (let retry = 0; edit === null && retry < 20; retry++) edit = paragraphEdit(random, reader.text);
        if (edit === null) continue;
        reader.edit([edit]);
        reader.check(`seed ${seed} step ${step}`);
      }
      reader.checkPositions(`seed ${seed}`);
      incremental += reader.incremental;
      full += reader.full;
    }
    expect(incremental / (incremental + full)).toBeGreaterThan(0.97);
  });

  it('re-parses only the paragraph: its region is the paragraph, in its section', () => {
    const text = page(rng(5), 20);
    const { source } = HtmlSource.parse(text);
    const at = text.indexOf('<p>', text.indexOf('id="s10"')) + 3;
    const length = text.length + 4;
    expect(source.apply([{ retain: at }, { insert: 'new ' }], length)).toBe(true);
    const update = source.update();
    expect(update).not.toBeNull();
    if (update === null || update === 'clean') return;
    expect(update.context).toBe('section');
    expect(update.text.startsWith('<p>new ')).toBe(true);
    expect(update.text.endsWith('</p>')).toBe(true);
    expect(absoluteStart(update.inserted[0])).toBe(at - 3);
  });

  it.each([
    ['an unclosed formatting element before the change', '<!DOCTYPE html><body><div><p><b>bold</p><p>one</p></div></body>'],
    ['a page in quirks mode', '<body><div><p>x</p><p>one</p></div></body>'],
    ['a table-less page whose change opens an element', '<!DOCTYPE html><body><div><p>x</p><p>one</p></div></body>'],
  ])('declines or stays exact with %s', (_label, text) => {
    const reader = new Reader(text);
    const at = reader.text.indexOf('one');
    reader.edit([{ at, remove: 0, insert: '<span>' }]);
    reader.check('after');
    reader.edit([{ at, remove: 0, insert: 'two ' }]);
    reader.check('after text edit');
  });
});

describe('a source format for the frame', () => {
  const kind = (node: P5Node) =>
    'tagName' in node ? 'element' : node.nodeName === '#text' ? 'text' : node.nodeName === '#comment' ? 'comment' : node.nodeName === '#documentType' ? 'doctype' : 'document';
  const matches = (position: SourceNode, node: P5Node) => position.kind === kind(node) && position.name === ('tagName' in node ? node.tagName : '');

  it('aligns its positions with another parse of the same page, and finds where two parses disagree', () => {
    const text = page(rng(3), 4);
    const html = openSource('html', text);
    const { source } = HtmlSource.parse(text);
    expect(align(source.root!, parse(text) as P5Node, childList, matches)).toBe(true);
    expect(align(source.root!, parse(text.replace('<h2>Section 1</h2>', '<h3>Section 1</h3>')) as P5Node, childList, matches)).toBe(false);
    expect(html.length).toBe(text.length);
    expect(html.apply([{ retain: 3 }, { insert: 'x' }], text.length + 1)).toBe(true);
    expect(html.text()).toBe(`${text.slice(0, 3)}x${text.slice(3)}`);
  });

  it('re-parses only the edited paragraph on a half-MiB page, wherever it is', () => {
    const text = page(rng(11), 1200);
    expect(text.length).toBeGreaterThan(500_000);
    const { source } = HtmlSource.parse(text);
    let length = text.length;
    for (let i = 0; i < 50; i++) {
      // Each earlier edit, before this one in the page, moved it by 5.
      const at = text.indexOf('<p>', Math.floor((text.length * i) / 50)) + 3 + 5 * i;
      length += 5;
      expect(source.apply([{ retain: at }, { insert: 'edit ' }], length)).toBe(true);
      const update = source.update();
      expect(update).not.toBeNull();
      if (update === null || update === 'clean') continue;
      expect(update.text.length).toBeLessThan(2000);
    }
  });
});

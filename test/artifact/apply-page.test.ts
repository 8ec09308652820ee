import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { computeTextDelta } from '../../lib/artifact/text-delta';
import { applyTextDelta, htmlOf, replacePage } from '../../lib/artifact/doc-shape';

/** Deterministic PRNG so a failure reproduces from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['a', 'b', 'c', ' ', '\n', '<p>', '</p>', 'é', '😀', '中'];

function randomText(rand: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return out;
}

/** Applies a few random splices and reports which old ranges were left untouched. */
function randomEdit(rand: () => number, text: string): { next: string; kept: Array<[number, number]> } {
  const edits = 1 + Math.floor(rand() * 4);
  // Pages arrive as UTF-8, so they never hold a lone surrogate: cut between code points only.
  const snap = (i: number) => (i > 0 && i < text.length && /[\udc00-\udfff]/.test(text[i]) ? i - 1 : i);
  const points = Array.from({ length: edits * 2 }, () => snap(Math.floor(rand() * (text.length + 1)))).sort((x, y) => x - y);
  let next = '';
  let cursor = 0;
  const kept: Array<[number, number]> = [];
  for (let i = 0; i < points.length; i += 2) {
    const [from, to] = [points[i], points[i + 1]];
    if (from > cursor) kept.push([cursor, from]);
    next += text.slice(cursor, from) + randomText(rand, Math.floor(rand() * 20));
    cursor = to;
  }
  if (cursor < text.length) kept.push([cursor, text.length]);
  next += text.slice(cursor);
  return { next, kept };
}

function itemIdsByIndex(text: Y.Text): string[] {
  const ids: string[] = [];
  let item = text._start;
  while (item) {
    if (!item.deleted && item.countable) {
      for (let i = 0; i < item.length; i++) ids.push(`${item.id.client}:${item.id.clock + i}`);
    }
    item = item.right;
  }
  return ids;
}

describe('replacePage', () => {
  it('makes the document equal the pushed page for random edits, keeping untouched items', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = rng(seed);
      const doc = new Y.Doc();
      const folded = new Y.Doc();
      const first = randomText(rand, 50 + Math.floor(rand() * 400));
      replacePage(doc, first, 'test');
      replacePage(folded, first, 'test');
      let current = first;
      for (let round = 0; round < 5; round++) {
        const before = itemIdsByIndex(htmlOf(doc));
        const { next, kept } = randomEdit(rand, current);
        // The diff itself, before short equalities are folded (what replacePage does, checked below).
        const delta = computeTextDelta(htmlOf(doc).toString(), next, undefined, 0);
        doc.transact(() => applyTextDelta(htmlOf(doc), delta), 'test');
        expect(htmlOf(doc).toString(), `seed ${seed}`).toBe(next);
        replacePage(folded, next, 'test');
        expect(htmlOf(folded).toString(), `seed ${seed}`).toBe(next);
        // A minimal diff keeps at least as many items as the edit that was made
        // (it may align repeated characters differently, never worse).
        const after = new Set(itemIdsByIndex(htmlOf(doc)));
        const survivors = before.filter((id) => after.has(id)).length;
        const keptLength = kept.reduce((n, [from, to]) => n + (to - from), 0);
        expect(survivors, `seed ${seed}`).toBeGreaterThanOrEqual(keptLength);
        current = next;
      }
    }
  });

  it('keeps the exact items of untouched paragraphs in an HTML-like page', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const rand = rng(seed);
      const paragraphs = Array.from({ length: 200 }, (_, i) => `<p id="p${i}">paragraph number ${i} of ${seed}</p>\n`);
      const doc = new Y.Doc();
      replacePage(doc, paragraphs.join(''), 'test');
      const idsOf = (i: number) => {
        const start = htmlOf(doc).toString().indexOf(`<p id="p${i}">`);
        return itemIdsByIndex(htmlOf(doc)).slice(start, start + paragraphs[i].length);
      };
      const touched = new Set<number>();
      const next = [...paragraphs];
      for (let k = 0; k < 10; k++) {
        const i = Math.floor(rand() * paragraphs.length);
        touched.add(i);
        next[i] = `<p id="p${i}">rewritten ${Math.floor(rand() * 1e6)}</p>\n`;
      }
      const before = new Map(paragraphs.map((_, i) => [i, idsOf(i)]));
      replacePage(doc, next.join(''), 'test');
      expect(htmlOf(doc).toString()).toBe(next.join(''));
      for (let i = 0; i < paragraphs.length; i++) {
        if (touched.has(i)) continue;
        expect(idsOf(i), `seed ${seed} paragraph ${i}`).toEqual(before.get(i));
      }
    }
  });

  it('keeps a one-line change in a large page to a small delta', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `<p id="p${i}">paragraph ${i}</p>\n`);
    const before = lines.join('');
    lines[10_000] = '<p id="p10000">changed paragraph</p>\n';
    lines.splice(15_000, 0, '<p>inserted</p>\n');
    const delta = computeTextDelta(before, lines.join(''));
    const inserted = delta.reduce((n, op) => n + ('insert' in op ? op.insert.length : 0), 0);
    expect(inserted).toBeLessThan(40);
  });

  it('falls back to a bounded replace when a huge page is rewritten entirely', () => {
    const before = Array.from({ length: 50_000 }, (_, i) => `line a ${i}\n`).join('');
    const after = Array.from({ length: 50_000 }, (_, i) => `other ${i * 7}\n`).join('');
    const doc = new Y.Doc();
    replacePage(doc, before, 'test');
    replacePage(doc, after, 'test');
    expect(htmlOf(doc).toString()).toBe(after);
  });
});

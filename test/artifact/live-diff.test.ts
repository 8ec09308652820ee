import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { commonPrefixLength, commonSuffixLength, computeTextDelta, type DeltaOp } from '../../lib/artifact/text-delta';
import { applyTextDelta, htmlOf, replacePage } from '../../lib/artifact/doc-shape';
import { applyDelta, computeLineDelta } from '../../lib/versions/codec';

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

// Emoji that share their high surrogate (😀 😁 😂 are \ud83d\ude00..02), CRLF, CJK, accents, markup.
const PIECES = ['a', 'b', 'word ', ' ', '\n', '\r\n', '<p>', '</p>', '<li id="x">', 'é', '中文', '😀', '😁', '😂', '👍🏽', '\t', '&amp;'];

function randomText(rand: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += PIECES[Math.floor(rand() * PIECES.length)];
  return out;
}

/** Snaps an index back so it never falls between the two halves of a surrogate pair (pages arrive as UTF-8). */
function snap(text: string, i: number): number {
  return i > 0 && i < text.length && /[\udc00-\udfff]/.test(text[i]) ? i - 1 : i;
}

type EditKind = 'prefix' | 'suffix' | 'middle' | 'overlapping' | 'emoji' | 'crlf' | 'everything';
const KINDS: EditKind[] = ['prefix', 'suffix', 'middle', 'overlapping', 'emoji', 'crlf', 'everything'];

function edit(rand: () => number, text: string, kind: EditKind): string {
  const at = (from = 0, to = text.length) => snap(text, from + Math.floor(rand() * (to - from + 1)));
  const splice = (s: string, from: number, to: number, insert: string) => s.slice(0, from) + insert + s.slice(to);
  switch (kind) {
    case 'prefix':
      return splice(text, 0, at(0, Math.min(text.length, 30)), randomText(rand, Math.floor(rand() * 30)));
    case 'suffix':
      return splice(text, at(Math.max(0, text.length - 30)), text.length, randomText(rand, Math.floor(rand() * 30)));
    case 'middle': {
      const from = at();
      return splice(text, from, snap(text, Math.min(text.length, from + Math.floor(rand() * 40))), randomText(rand, Math.floor(rand() * 40)));
    }
    case 'overlapping': {
      // Several splices, each on the result of the one before, so their ranges overlap and touch.
      let out = text;
      for (let i = 0; i < 2 + Math.floor(rand() * 4); i++) {
        const from = snap(out, Math.floor(rand() * (out.length + 1)));
        const to = snap(out, Math.min(out.length, from + Math.floor(rand() * 25)));
        out = splice(out, from, to, randomText(rand, Math.floor(rand() * 25)));
      }
      return out;
    }
    case 'emoji':
      // An emoji swapped for one with the same high surrogate: the common prefix ends inside the pair.
      return text.replace(/😀|😁|😂/gu, (e) => (rand() < 0.5 ? e : ['😀', '😁', '😂'][Math.floor(rand() * 3)]));
    case 'crlf':
      return rand() < 0.5 ? text.replace(/\r\n/g, '\n') : text.replace(/(?<!\r)\n/g, '\r\n');
    case 'everything':
      return randomText(rand, Math.floor(rand() * 200));
  }
}

/** Throws unless every op boundary in `before` and every inserted string keeps surrogate pairs whole. */
function expectWholeCodePoints(before: string, delta: DeltaOp[], label: string): void {
  let at = 0;
  const boundary = (i: number) => {
    const splits = i > 0 && i < before.length && /[\ud800-\udbff]/.test(before[i - 1]) && /[\udc00-\udfff]/.test(before[i]);
    expect(splits, `${label}: an op boundary at ${i} splits a surrogate pair`).toBe(false);
  };
  for (const op of delta) {
    if ('insert' in op) {
      expect(/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(op.insert), `${label}: an insert starts or ends in half a pair`).toBe(false);
      continue;
    }
    boundary(at);
    at += 'retain' in op ? op.retain : op.delete;
    boundary(at);
  }
}

/** Yjs structs in the text, deleted ones included: what every later walk and load pays for. */
function itemCount(text: Y.Text): number {
  let count = 0;
  for (let item = text._start; item; item = item.right) count++;
  return count;
}

describe('the live diff', () => {
  it('turns the old page into the new one exactly, for random prefix, suffix, middle, overlapping, emoji, CRLF and wholesale edits', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = rng(seed);
      let current = randomText(rand, Math.floor(rand() * 600));
      const doc = new Y.Doc();
      replacePage(doc, current, 'test');
      for (let round = 0; round < 6; round++) {
        const kind = KINDS[Math.floor(rand() * KINDS.length)];
        const next = edit(rand, current, kind);
        const label = `seed ${seed} round ${round} (${kind})`;
        const delta = computeTextDelta(current, next);
        expect(applyDelta(current, delta), label).toBe(next);
        expectWholeCodePoints(current, delta, label);
        replacePage(doc, next, 'test');
        expect(htmlOf(doc).toString(), label).toBe(next);
        current = next;
      }
    }
  });

  it('applies a delta op by op into the same document state Y.Text.applyDelta makes', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const rand = rng(seed);
      const byIndex = new Y.Doc();
      const byDelta = new Y.Doc();
      byIndex.clientID = byDelta.clientID = 1000 + seed;
      let current = '';
      for (let round = 0; round < 8; round++) {
        const next = round === 0 ? randomText(rand, 400) : edit(rand, current, KINDS[Math.floor(rand() * KINDS.length)]);
        const delta = computeTextDelta(current, next);
        byIndex.transact(() => applyTextDelta(htmlOf(byIndex), delta));
        byDelta.transact(() => htmlOf(byDelta).applyDelta(delta));
        expect(htmlOf(byIndex).toString()).toBe(next);
        // Byte for byte: readers receive the same updates whichever way the server applied the delta.
        expect(Buffer.from(Y.encodeStateAsUpdate(byIndex)).equals(Buffer.from(Y.encodeStateAsUpdate(byDelta))), `seed ${seed}`).toBe(true);
        current = next;
      }
    }
  });

  it('finds the common prefix and suffix as a unit-by-unit walk does, around every block edge', () => {
    const rand = rng(7);
    const naivePrefix = (a: string, b: string) => {
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      return i;
    };
    const naiveSuffix = (a: string, b: string, prefix: number) => {
      let i = 0;
      while (i < Math.min(a.length, b.length) - prefix && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
      return i;
    };
    const base = randomText(rand, 300_000);
    const cuts = [0, 1, 31, 32, 33, 4095, 4096, 4097, 8191, 8192, 12_288, 65_535, 65_536, 131_071, 200_000, base.length - 1, base.length];
    for (const cut of cuts) {
      for (const variant of [
        base.slice(0, cut) + 'Z' + base.slice(cut + 1),
        base.slice(0, cut) + 'ZZ' + base.slice(cut),
        base.slice(0, cut),
        base.slice(cut),
        base.slice(0, cut) + base.slice(Math.min(base.length, cut + 5000)),
      ]) {
        const prefix = commonPrefixLength(base, variant);
        expect(prefix, `cut ${cut}`).toBe(naivePrefix(base, variant));
        expect(commonSuffixLength(base, variant, prefix), `cut ${cut}`).toBe(naiveSuffix(base, variant, prefix));
        expect(commonPrefixLength(variant, base)).toBe(prefix);
      }
    }
    expect(commonPrefixLength(base, base)).toBe(base.length);
    expect(commonSuffixLength(base, base, base.length)).toBe(0);
  });
});

describe('a one-paragraph change to a big page', () => {
  /** About 1 KiB per paragraph, every word changed by `edit` (the versions benchmark's page). */
  const paragraph = (i: number, edit: number) =>
    `<p id="p${i}" class="finding">${Array.from({ length: 200 }, (_, w) => `w${(i * 31 + w * 7 + edit * 13) % 997}`).join(' ')}</p>`;
  const pageOf = (paragraphs: string[]) => `<!doctype html><html><body><main>\n${paragraphs.join('\n')}\n</main></body></html>`;

  /** The Yjs update one replacePage makes (what is stored and sent to every reader). */
  function updateOf(doc: Y.Doc, next: string): Uint8Array {
    const updates: Uint8Array[] = [];
    const capture = (update: Uint8Array) => updates.push(update);
    doc.on('update', capture);
    replacePage(doc, next, 'test');
    doc.off('update', capture);
    expect(updates).toHaveLength(1);
    return updates[0];
  }

  it('makes an update the size of the paragraph, whatever the size of the page', () => {
    const sizes: number[] = [];
    for (const count of [30, 1024]) {
      const paragraphs = Array.from({ length: count }, (_, i) => paragraph(i, 0));
      const doc = new Y.Doc();
      replacePage(doc, pageOf(paragraphs), 'test');
      const target = count >> 1;
      paragraphs[target] = paragraph(target, 1);
      const update = updateOf(doc, pageOf(paragraphs));
      expect(htmlOf(doc).toString()).toBe(pageOf(paragraphs));
      // The new paragraph's text plus a few item headers and the deleted range.
      expect(update.byteLength).toBeLessThan(Buffer.byteLength(paragraph(target, 1)) + 100);
      sizes.push(update.byteLength);
    }
    // A page 34 times larger: the same update, give or take longer varints.
    expect(sizes[1]).toBeLessThan(sizes[0] * 1.1);
  });

  it('adds a few items per rewritten paragraph, not one per coincidental letter, so the document stays the size of the page', () => {
    const paragraphs = Array.from({ length: 256 }, (_, i) => paragraph(i, 0));
    const doc = new Y.Doc();
    replacePage(doc, pageOf(paragraphs), 'test');
    const itemsBefore = itemCount(htmlOf(doc));
    const writes = 200;
    for (let v = 1; v <= writes; v++) {
      const target = (v * 389) % paragraphs.length;
      paragraphs[target] = paragraph(target, v);
      replacePage(doc, pageOf(paragraphs), 'test');
    }
    expect(htmlOf(doc).toString()).toBe(pageOf(paragraphs));
    // Each rewrite: the item before it split, the inserted text, the deleted (collected) one, the rest.
    expect(itemCount(htmlOf(doc)) - itemsBefore).toBeLessThanOrEqual(writes * 4);
    const page = Buffer.byteLength(pageOf(paragraphs));
    expect(Y.encodeStateAsUpdate(doc).byteLength).toBeLessThan(page * 1.05);
  });

  it('still keeps a small change inside a paragraph small, and untouched neighbours untouched', () => {
    const paragraphs = Array.from({ length: 1024 }, (_, i) => paragraph(i, 0));
    const before = pageOf(paragraphs);
    const after = before.replace('<p id="p500" class="finding">w', '<p id="p500" class="finding">NEW w');
    const delta = computeTextDelta(before, after);
    expect(delta).toEqual([{ retain: before.indexOf('<p id="p500"') + '<p id="p500" class="finding">'.length }, { insert: 'NEW ' }]);
  });
});

describe('the version line delta', () => {
  it('rebuilds the next page exactly, also when only the old page starts with a newline', () => {
    expect(applyDelta('\nabc\n', computeLineDelta('\nabc\n', 'xabc\n'))).toBe('xabc\n');
    expect(applyDelta('abc\n', computeLineDelta('abc\n', '\nabc\n'))).toBe('\nabc\n');
    for (let seed = 1; seed <= 200; seed++) {
      const rand = rng(seed);
      const a = (rand() < 0.5 ? '\n' : '') + randomText(rand, Math.floor(rand() * 300));
      const b = edit(rand, a, KINDS[Math.floor(rand() * KINDS.length)]);
      expect(applyDelta(a, computeLineDelta(a, b)), `seed ${seed}`).toBe(b);
    }
  });
});

import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyToString, compose, fitsInPatch, fromYDelta, lengthAfter, normalize } from '../../lib/sandbox/delta';
import { MAX_PATCH_INSERT_LENGTH, MAX_PATCH_OPS, type DeltaOp } from '../../lib/sandbox/limits';
import { parseAppMessage, parseFrameMessage, patchMessage, renderMessage } from '../../lib/sandbox/bridge';

/** A deterministic generator, so a failure names its seed. */
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

const ALPHABET = Array.from('ab<>/p \n😀\r&;');

function randomText(random: () => number, max: number): string {
  let out = '';
  const n = Math.floor(random() * max);
  for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return out;
}

/**
 * A position that does not split a surrogate pair. (Y.Text replaces the halves
 * of a pair an edit splits with U+FFFD without saying so in its delta; editors
 * and the server's diff never split one.)
 */
function whole(text: Y.Text, at: number): number {
  const s = text.toString();
  const code = s.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}

/** One edit through a real Y.Text, returning the delta Y.Text reported. */
function editThroughYjs(text: Y.Text, random: () => number): DeltaOp[] {
  let reported: DeltaOp[] | null = null;
  const listener = (event: Y.YTextEvent) => {
    reported = fromYDelta(event.delta);
  };
  text.observe(listener);
  text.doc!.transact(() => {
    const edits = 1 + Math.floor(random() * 3);
    for (let k = 0; k < edits; k++) {
      const at = whole(text, Math.floor(random() * (text.length + 1)));
      const end = whole(text, Math.min(text.length, at + Math.floor(random() * 6)));
      if (end > at && random() < 0.6) text.delete(at, end - at);
      const insert = randomText(random, 8);
      if (insert.length > 0) text.insert(at, insert);
    }
  });
  text.unobserve(listener);
  return reported ?? [];
}

describe('deltas from Y.Text', () => {
  it('apply to the old text to give the new one, and compose across a burst', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = rng(seed);
      const doc = new Y.Doc();
      const text = doc.getText('html');
      text.insert(0, randomText(random, 40));
      const start = text.toString();
      let composed: DeltaOp[] = [];
      let previous = start;
      const burst = 1 + Math.floor(random() * 6);
      for (let i = 0; i < burst; i++) {
        const ops = editThroughYjs(text, random);
        expect(applyToString(previous, ops), `seed ${seed}`).toBe(text.toString());
        expect(lengthAfter(previous.length, ops)).toBe(text.length);
        previous = text.toString();
        composed = compose(composed, ops);
      }
      expect(applyToString(start, composed), `seed ${seed}`).toBe(text.toString());
      expect(normalize(composed)).toEqual(composed);
    }
  });

  it('refuses an embed, so the sender falls back to a full render', () => {
    expect(fromYDelta([{ retain: 3 }, { insert: { image: 'x' } }])).toBeNull();
    expect(fromYDelta([{ retain: 2, attributes: { bold: true } }, { insert: 'x' }])).toEqual([{ retain: 2 }, { insert: 'x' }]);
  });

  it('composes to the canonical form: neighbours merged, inserts before deletes, no trailing retain', () => {
    expect(compose([{ retain: 2 }, { insert: 'ab' }], [{ retain: 3 }, { delete: 1 }, { retain: 5 }])).toEqual([
      { retain: 2 },
      { insert: 'a' },
    ]);
    expect(compose([{ delete: 2 }], [{ insert: 'x' }])).toEqual([{ insert: 'x' }, { delete: 2 }]);
  });

  it('knows when a delta is too big for one patch', () => {
    expect(fitsInPatch([{ insert: 'x'.repeat(MAX_PATCH_INSERT_LENGTH) }])).toBe(true);
    expect(fitsInPatch([{ insert: 'x'.repeat(MAX_PATCH_INSERT_LENGTH + 1) }])).toBe(false);
    const many: DeltaOp[] = [];
    for (let i = 0; i <= MAX_PATCH_OPS / 2; i++) many.push({ retain: 1 }, { delete: 1 });
    expect(fitsInPatch(many)).toBe(false);
  });
});

describe('the delta protocol messages', () => {
  it('render names its format; one without a format is still html', () => {
    expect(parseAppMessage(renderMessage(3, '<p>hi</p>'))).toEqual({ loupe: 1, type: 'render', rev: 3, format: 'html', html: '<p>hi</p>' });
    expect(parseAppMessage({ loupe: 1, type: 'render', rev: 3, html: '' })).not.toBeNull();
    expect(parseAppMessage({ loupe: 1, type: 'render', rev: 3, format: 'markdown', html: '' })).toBeNull();
  });

  it('accepts a patch and the frame’s resync', () => {
    const patch = patchMessage(8, 7, [{ retain: 3 }, { insert: 'x' }, { delete: 2 }], 10);
    expect(parseAppMessage(patch)).toEqual(patch);
    expect(parseFrameMessage({ loupe: 1, type: 'resync', have: 7 })).toEqual({ loupe: 1, type: 'resync', have: 7 });
    expect(parseFrameMessage({ loupe: 1, type: 'resync', have: -1 })).not.toBeNull();
    expect(parseFrameMessage({ loupe: 1, type: 'ready', delta: true })).toEqual({ loupe: 1, type: 'ready', delta: true });
  });

  it.each([
    ['rev not after base', { rev: 7, base: 7 }],
    ['no ops', { ops: [] }],
    ['an empty insert', { ops: [{ insert: '' }] }],
    ['a zero retain', { ops: [{ retain: 0 }] }],
    ['a negative delete', { ops: [{ delete: -1 }] }],
    ['an op with two kinds', { ops: [{ retain: 1, insert: 'x' }] }],
    ['an op of another kind', { ops: [{ replace: 'x' }] }],
    ['too many ops', { ops: Array.from({ length: MAX_PATCH_OPS + 1 }, () => ({ retain: 1 })) }],
    ['too much inserted', { ops: [{ insert: 'x'.repeat(MAX_PATCH_INSERT_LENGTH) }, { retain: 1 }, { insert: 'y' }] }],
    ['a length past the limit', { length: 16 * 1024 * 1024 + 1 }],
    ['an unknown format', { format: 'markdown' }],
    ['no format', { format: undefined }],
  ])('refuses a patch with %s', (_label, change) => {
    const message = { ...patchMessage(8, 7, [{ retain: 1 }, { insert: 'x' }], 10), ...change };
    expect(parseAppMessage(message)).toBeNull();
  });

  it('refuses a resync without a revision', () => {
    expect(parseFrameMessage({ loupe: 1, type: 'resync' })).toBeNull();
    expect(parseFrameMessage({ loupe: 1, type: 'resync', have: -2 })).toBeNull();
    expect(parseFrameMessage({ loupe: 1, type: 'resync', have: 1.5 })).toBeNull();
  });
});

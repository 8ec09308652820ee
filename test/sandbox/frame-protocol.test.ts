import { describe, expect, it } from 'vitest';
import { parseAppMessage } from '../../lib/sandbox/bridge';
import { MAX_PATCH_INSERT_LENGTH, MAX_PATCH_OPS } from '../../lib/sandbox/limits';
import {
  MAX_ORDINAL,
  MAX_PIN_ID_LENGTH,
  MAX_PIN_LABEL_LENGTH,
  MAX_PINS,
  MAX_QUOTE_LENGTH,
  MAX_RENDER_HTML_LENGTH,
  MAX_SELECTOR_LENGTH,
  MAX_TAG_LENGTH,
} from '../../lib/sandbox/limits';
import { readAppMessage, readPin, readPins } from '../../lib/frame/protocol';

/**
 * The frame checks app messages by hand (lib/frame/protocol.ts: it cannot
 * carry zod); the app's zod schemas (parseAppMessage) are the reference.
 * Both run here on the same corpus, and must accept and refuse exactly the
 * same messages.
 */

const EMOJI = '\u{1F600}'; // one code point, two UTF-16 units

const pin = {
  id: 'thread-1',
  kind: 'text',
  tag: 'p',
  ordinal: 3,
  selector: 'body > p:nth-of-type(4)',
  quote: 'the  quoted\ntext',
  label: '12',
  color: '#2563eb',
  state: 'ok',
  active: false,
};

const good: Record<string, unknown>[] = [
  { loupe: 1, type: 'render', rev: 0, html: '' },
  { loupe: 1, type: 'render', rev: Number.MAX_SAFE_INTEGER, html: '<p>hi</p>' },
  { loupe: 1, type: 'render', rev: 3, format: 'html', html: '<p>hi</p>' },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'html', ops: [{ retain: 3 }, { insert: 'x' }, { delete: 2 }], length: 10 },
  { loupe: 1, type: 'patch', rev: 1, base: 0, format: 'html', ops: [{ insert: EMOJI }], length: 2 },
  { loupe: 1, type: 'scrollTo', y: 0 },
  { loupe: 1, type: 'scrollTo', y: 1e9 },
  { loupe: 1, type: 'scrollTo', y: 12.5 },
  { loupe: 1, type: 'theme', scheme: 'light' },
  { loupe: 1, type: 'theme', scheme: 'dark' },
  { loupe: 1, type: 'pick', on: true },
  { loupe: 1, type: 'pick', on: false },
  { loupe: 1, type: 'pins', pins: [] },
  { loupe: 1, type: 'pins', pins: [pin, { ...pin, id: 'b', kind: 'element', ordinal: null, quote: '', selector: '', state: 'outdated', active: true }] },
  { loupe: 1, type: 'focus-pin', id: 'x' },
  { loupe: 1, type: 'focus-pin', id: EMOJI.repeat(MAX_PIN_ID_LENGTH) },
];

/** Values to put in every field in turn: the wrong types and the edges of each limit. */
const odd: unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -1,
  -0,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  1e9,
  1e9 + 1,
  MAX_ORDINAL,
  MAX_ORDINAL + 1,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  'x',
  ' ',
  'P',
  'div',
  'light',
  'dark',
  'ok',
  'element',
  '#fff',
  '#ffff',
  '#ffffff0',
  'red',
  EMOJI,
  EMOJI.repeat(2),
  EMOJI.repeat(MAX_PIN_LABEL_LENGTH),
  EMOJI.repeat(MAX_PIN_LABEL_LENGTH + 1),
  'a'.repeat(MAX_PIN_LABEL_LENGTH + 1),
  'a'.repeat(MAX_PIN_ID_LENGTH),
  'a'.repeat(MAX_PIN_ID_LENGTH + 1),
  EMOJI.repeat(MAX_PIN_ID_LENGTH + 1),
  `a${'b'.repeat(MAX_TAG_LENGTH - 1)}`,
  `a${'b'.repeat(MAX_TAG_LENGTH)}`,
  'x'.repeat(MAX_SELECTOR_LENGTH),
  'x'.repeat(MAX_SELECTOR_LENGTH + 1),
  EMOJI.repeat(MAX_QUOTE_LENGTH),
  EMOJI.repeat(MAX_QUOTE_LENGTH + 1),
  '\uD800'.repeat(MAX_QUOTE_LENGTH + 1), // lone surrogates count one each
  {},
  [],
  [pin],
  { ...pin },
];

const corpus: unknown[] = [];
for (const message of good) {
  corpus.push(message);
  for (const key of Object.keys(message)) {
    for (const value of odd) corpus.push({ ...message, [key]: value });
    const without = { ...message };
    delete without[key];
    corpus.push(without);
  }
  corpus.push({ ...message, extra: 'ignored' });
}
// Every field of a pin, in turn.
for (const key of Object.keys(pin)) {
  for (const value of odd) corpus.push({ loupe: 1, type: 'pins', pins: [{ ...pin, [key]: value }] });
  const without: Record<string, unknown> = { ...pin };
  delete without[key];
  corpus.push({ loupe: 1, type: 'pins', pins: [pin, without] });
}
corpus.push(
  null,
  undefined,
  0,
  'render',
  [],
  { type: 'render', rev: 1, html: '' },
  { loupe: 2, type: 'render', rev: 1, html: '' },
  { loupe: '1', type: 'render', rev: 1, html: '' },
  { loupe: 1, type: 'unknown' },
  { loupe: 1, type: 'ready' },
  { loupe: 1, type: 'pins', pins: new Array(MAX_PINS).fill(pin) },
  { loupe: 1, type: 'pins', pins: new Array(MAX_PINS + 1).fill(pin) },
  { loupe: 1, type: 'pins', pins: [pin, null] },
  { loupe: 1, type: 'patch', rev: 7, base: 7, format: 'html', ops: [{ insert: 'x' }], length: 1 },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'html', ops: [], length: 1 },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'html', ops: [{ retain: 1, insert: 'x' }], length: 1 },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'html', ops: [{ insert: '' }], length: 1 },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'html', ops: [{ retain: 0 }], length: 1 },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'html', ops: [{ delete: 1.5 }], length: 1 },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'html', ops: [{ replace: 'x' }], length: 1 },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'html', ops: new Array(MAX_PATCH_OPS).fill({ retain: 1 }), length: 1 },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'html', ops: new Array(MAX_PATCH_OPS + 1).fill({ retain: 1 }), length: 1 },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'html', ops: [{ insert: 'x'.repeat(MAX_PATCH_INSERT_LENGTH) }, { insert: 'y' }], length: 1 },
  { loupe: 1, type: 'patch', rev: 8, base: 7, format: 'markdown', ops: [{ insert: 'x' }], length: 1 },
  { loupe: 1, type: 'render', rev: 8, format: 'markdown', html: '' },
);

describe('the frame validates app messages exactly as the app schema does', () => {
  it(`agrees with parseAppMessage on ${corpus.length} messages`, () => {
    const disagreements: string[] = [];
    let accepted = 0;
    for (const message of corpus) {
      const zod = parseAppMessage(message) !== null;
      const frame = readAppMessage(message) !== null;
      if (zod) accepted++;
      if (zod !== frame) disagreements.push(`${JSON.stringify(message)?.slice(0, 200)}: zod ${zod}, frame ${frame}`);
    }
    expect(disagreements).toEqual([]);
    // The corpus exercises both sides.
    expect(accepted).toBeGreaterThan(good.length);
    expect(corpus.length - accepted).toBeGreaterThan(1000);
  });

  it('agrees at the size limit of a render, counting code points as zod does', () => {
    const atLimit = 'a'.repeat(MAX_RENDER_HTML_LENGTH);
    const over = `${atLimit}a`;
    // Past the limit in UTF-16 units, within it in code points.
    const surrogates = `${'a'.repeat(MAX_RENDER_HTML_LENGTH - 2)}${EMOJI}`;
    for (const html of [atLimit, over, surrogates, `${surrogates}a`, `${surrogates}aa`]) {
      const message = { loupe: 1, type: 'render', rev: 1, html };
      expect(readAppMessage(message) !== null, `length ${html.length}`).toBe(parseAppMessage(message) !== null);
    }
  });
});

describe('pin schema validation in the frame', () => {
  it('reads a valid pin, with its quote prepared for finding and highlighting', () => {
    const read = readPin(pin);
    expect(read).toMatchObject({ id: 'thread-1', kind: 'text', tag: 'p', ordinal: 3, label: '12', state: 'ok', active: false });
    expect(read?.quoteHead).toBe('the quoted text');
    expect(read?.quotePattern?.exec('see the quoted\u00a0 text here')?.[0]).toBe('the quoted\u00a0 text');
  });

  it('escapes regular-expression syntax in quotes and gives element pins no highlight', () => {
    const read = readPin({ ...pin, quote: 'a+b (c)? [d]' });
    expect(read?.quotePattern?.test('a+b (c)? [d]')).toBe(true);
    expect(read?.quotePattern?.test('aab c d')).toBe(false);
    expect(readPin({ ...pin, kind: 'element' })?.quotePattern).toBeNull();
    expect(readPin({ ...pin, quote: '   ' })?.quotePattern).toBeNull();
  });

  it('caps the quote checked against an element at 60 characters', () => {
    expect(readPin({ ...pin, quote: 'word '.repeat(40) })?.quoteHead).toHaveLength(60);
  });

  it('takes the whole list or nothing', () => {
    expect(readPins([pin, pin])).toHaveLength(2);
    expect(readPins([pin, { ...pin, color: 'red' }])).toBeNull();
    expect(readPins('nope')).toBeNull();
  });
});

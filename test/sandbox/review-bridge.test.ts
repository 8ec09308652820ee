import { describe, expect, it } from 'vitest';
import {
  MAX_CONTEXT_LENGTH,
  MAX_ORDINAL,
  MAX_PIN_ID_LENGTH,
  MAX_PINS,
  MAX_QUOTE_LENGTH,
  MAX_SELECTOR_LENGTH,
  MAX_TAG_LENGTH,
  collapseWhitespace,
  focusPinMessage,
  parseAppMessage,
  parseFrameMessage,
  pickMessage,
  pinsMessage,
  type FramePin,
} from '../../lib/sandbox/bridge';
import { readAppMessage } from '../../lib/frame/protocol';

const elementTarget = {
  kind: 'element',
  tag: 'p',
  ordinal: 2,
  selector: 'body > main:nth-of-type(1) > p:nth-of-type(3)',
  quote: 'The second note, which we comment on.',
  prefix: '',
  suffix: '',
};
const textTarget = {
  kind: 'text',
  tag: 'p',
  ordinal: 0,
  selector: '#intro',
  quote: 'grew by twelve',
  prefix: 'The full report is online. Revenue ',
  suffix: ' percent this quarter.',
};
const rect = { x: -12.5, y: 40, width: 320, height: 24 };

const picked = { loupe: 1, type: 'picked', target: elementTarget, rect };
const selection = { loupe: 1, type: 'selection', target: textTarget, rect };
const placed = {
  loupe: 1,
  type: 'pins-placed',
  placed: [
    { id: 'thread-1', found: true, x: 512.25, y: 310.5 },
    { id: 'thread-2', found: false, x: null, y: null },
    { id: 'thread-3', found: true, x: null, y: null },
  ],
};

describe('review messages from the frame: accepted', () => {
  it.each([
    ['an element pick', picked],
    ['a text pick', { ...picked, target: textTarget }],
    ['an element with no text (an image)', { ...picked, target: { ...elementTarget, tag: 'img', quote: '' } }],
    ['a custom element', { ...picked, target: { ...elementTarget, tag: 'my-widget.v2', selector: 'my-widget\\.v2' } }],
    ['a pick with the point clicked and its name', { ...picked, target: { ...elementTarget, point: { x: 0.75, y: 0.1333 }, name: 'chart in Impact' } }],
    ['a pick at a corner of its element', { ...picked, target: { ...elementTarget, point: { x: 0, y: 1 } } }],
    ['a selection', selection],
    ['a cleared selection', { loupe: 1, type: 'selection', target: null, rect: null }],
    ['pick-cancelled', { loupe: 1, type: 'pick-cancelled' }],
    ['pin-click', { loupe: 1, type: 'pin-click', id: 'thread-1' }],
    ['pins-placed', placed],
    ['no pins placed', { loupe: 1, type: 'pins-placed', placed: [] }],
  ])('%s', (_name, message) => {
    expect(parseFrameMessage(message)).toEqual(message);
  });

  it('accepts every limit exactly', () => {
    const target = {
      ...textTarget,
      tag: `x${'a'.repeat(MAX_TAG_LENGTH - 1)}`,
      ordinal: MAX_ORDINAL,
      selector: 's'.repeat(MAX_SELECTOR_LENGTH),
      quote: 'q'.repeat(MAX_QUOTE_LENGTH),
      prefix: 'p'.repeat(MAX_CONTEXT_LENGTH),
      suffix: 's'.repeat(MAX_CONTEXT_LENGTH),
    };
    expect(parseFrameMessage({ ...selection, target })).not.toBeNull();
    const many = Array.from({ length: MAX_PINS }, (_, i) => ({ id: `t${i}`, found: true, x: i, y: i }));
    expect(parseFrameMessage({ ...placed, placed: many })).not.toBeNull();
    expect(parseFrameMessage({ loupe: 1, type: 'pin-click', id: 'i'.repeat(MAX_PIN_ID_LENGTH) })).not.toBeNull();
  });

  it('counts code points, not UTF-16 units, as the frame does', () => {
    const emoji = '😀'.repeat(MAX_QUOTE_LENGTH);
    expect(parseFrameMessage({ ...selection, target: { ...textTarget, quote: emoji } })).not.toBeNull();
    expect(parseFrameMessage({ ...selection, target: { ...textTarget, quote: `${emoji}x` } })).toBeNull();
  });

  it('drops keys it does not know, at every level', () => {
    const parsed = parseFrameMessage({
      ...picked,
      html: '<img src=x onerror=alert(1)>',
      target: { ...elementTarget, extra: 'x'.repeat(100_000) },
      rect: { ...rect, z: 1 },
    });
    expect(parsed).toEqual(picked);
  });
});

describe('review messages from the frame: forged, oversized or ill-typed', () => {
  const withTarget = (target: Record<string, unknown>) => ({ ...picked, target: { ...elementTarget, ...target } });
  it.each<[string, unknown]>([
    ['unknown target kind', withTarget({ kind: 'page' })],
    ['upper-case tag', withTarget({ tag: 'P' })],
    ['tag with markup', withTarget({ tag: 'p><script>' })],
    ['tag with a space', withTarget({ tag: 'p onclick' })],
    ['tag starting with a digit', withTarget({ tag: '1p' })],
    ['empty tag', withTarget({ tag: '' })],
    ['tag too long', withTarget({ tag: `x${'a'.repeat(MAX_TAG_LENGTH)}` })],
    ['negative ordinal', withTarget({ ordinal: -1 })],
    ['fractional ordinal', withTarget({ ordinal: 1.5 })],
    ['ordinal past the bound', withTarget({ ordinal: MAX_ORDINAL + 1 })],
    ['ordinal as a string', withTarget({ ordinal: '2' })],
    ['null ordinal in a pick', withTarget({ ordinal: null })],
    ['empty selector', withTarget({ selector: '' })],
    ['selector too long', withTarget({ selector: 's'.repeat(MAX_SELECTOR_LENGTH + 1) })],
    ['quote too long', withTarget({ quote: 'q'.repeat(MAX_QUOTE_LENGTH + 1) })],
    ['quote not a string', withTarget({ quote: { toString: 'x' } })],
    ['element pick with context', withTarget({ prefix: 'smuggled' })],
    ['missing rect', { ...picked, rect: undefined }],
    ['null rect on a pick', { ...picked, rect: null }],
    ['NaN in rect', { ...picked, rect: { ...rect, x: Number.NaN } }],
    ['Infinity in rect', { ...picked, rect: { ...rect, y: Number.POSITIVE_INFINITY } }],
    ['absurd rect', { ...picked, rect: { ...rect, y: -1e12 } }],
    ['a point outside the element', { ...picked, target: { ...elementTarget, point: { x: 1.01, y: 0.5 } } }],
    ['a negative point', { ...picked, target: { ...elementTarget, point: { x: 0.5, y: -0.01 } } }],
    ['a point that is not a pair of numbers', { ...picked, target: { ...elementTarget, point: { x: '0.5', y: 0.5 } } }],
    ['a point with extra fields', { ...picked, target: { ...elementTarget, point: { x: 0.5, y: 0.5, z: 1 } } }],
    ['a NaN point', { ...picked, target: { ...elementTarget, point: { x: Number.NaN, y: 0.5 } } }],
    ['a name too long', { ...picked, target: { ...elementTarget, name: 'n'.repeat(201) } }],
    ['negative width', { ...picked, rect: { ...rect, width: -1 } }],
    ['text selection with an element target', { ...selection, target: elementTarget }],
    ['text selection with an empty quote', { ...selection, target: { ...textTarget, quote: '' } }],
    ['prefix too long', { ...selection, target: { ...textTarget, prefix: 'p'.repeat(MAX_CONTEXT_LENGTH + 1) } }],
    ['suffix too long', { ...selection, target: { ...textTarget, suffix: 's'.repeat(MAX_CONTEXT_LENGTH + 1) } }],
    ['selection with target but no rect', { ...selection, rect: null }],
    ['selection with rect but no target', { ...selection, target: null }],
    ['selection missing both', { loupe: 1, type: 'selection' }],
    ['pin-click without id', { loupe: 1, type: 'pin-click' }],
    ['pin-click with empty id', { loupe: 1, type: 'pin-click', id: '' }],
    ['pin-click with long id', { loupe: 1, type: 'pin-click', id: 'i'.repeat(MAX_PIN_ID_LENGTH + 1) }],
    ['pin-click with numeric id', { loupe: 1, type: 'pin-click', id: 7 }],
    ['pins-placed not an array', { loupe: 1, type: 'pins-placed', placed: { id: 'a', found: true, y: 1 } }],
    ['too many placements', { loupe: 1, type: 'pins-placed', placed: Array.from({ length: MAX_PINS + 1 }, () => placed.placed[0]) }],
    ['placement with negative y', { ...placed, placed: [{ id: 'a', found: true, x: 1, y: -5 }] }],
    ['placement with negative x', { ...placed, placed: [{ id: 'a', found: true, x: -1, y: 5 }] }],
    ['placement without x', { ...placed, placed: [{ id: 'a', found: true, y: 5 }] }],
    ['placement with found as string', { ...placed, placed: [{ id: 'a', found: 'yes', y: 1 }] }],
    ['placement without id', { ...placed, placed: [{ found: true, y: 1 }] }],
    ['pick-cancelled of another version', { loupe: 2, type: 'pick-cancelled' }],
  ])('%s', (_name, data) => {
    expect(parseFrameMessage(data)).toBeNull();
  });
});

const pin: FramePin = {
  id: 'thread-1',
  kind: 'text',
  tag: 'p',
  ordinal: null,
  selector: '#intro',
  quote: 'twelve percent',
  label: '12',
  color: '#1c7ed6',
  state: 'changed',
  active: true,
};

describe('review messages to the frame', () => {
  it('builders produce messages the frame accepts', () => {
    expect(parseAppMessage(pickMessage(true))).toEqual({ loupe: 1, type: 'pick', on: true });
    expect(parseAppMessage(pickMessage(false))).toEqual({ loupe: 1, type: 'pick', on: false });
    expect(parseAppMessage(pinsMessage([pin, { ...pin, id: 'thread-2', ordinal: 4, color: '#abc', state: 'ok' }]))).not.toBeNull();
    expect(parseAppMessage(pinsMessage([]))).toEqual({ loupe: 1, type: 'pins', pins: [] });
    expect(parseAppMessage(focusPinMessage('thread-1'))).toEqual({ loupe: 1, type: 'focus-pin', id: 'thread-1' });
  });

  it('accepts every hex colour form and the pin limit', () => {
    for (const color of ['#abc', '#abcd', '#a1b2c3', '#A1B2C3D4']) {
      expect(parseAppMessage(pinsMessage([{ ...pin, color }]))).not.toBeNull();
    }
    const many = Array.from({ length: MAX_PINS }, (_, i) => ({ ...pin, id: `t${i}` }));
    expect(parseAppMessage(pinsMessage(many))).not.toBeNull();
  });

  const withPin = (overrides: Record<string, unknown>) => ({ loupe: 1, type: 'pins', pins: [{ ...pin, ...overrides }] });
  it.each<[string, unknown]>([
    ['pick without on', { loupe: 1, type: 'pick' }],
    ['pick with on as a string', { loupe: 1, type: 'pick', on: 'true' }],
    ['pins not an array', { loupe: 1, type: 'pins', pins: pin }],
    ['too many pins', { loupe: 1, type: 'pins', pins: Array.from({ length: MAX_PINS + 1 }, () => pin) }],
    ['label too long', withPin({ label: '12345' })],
    ['empty label', withPin({ label: '' })],
    ['colour name', withPin({ color: 'red' })],
    ['colour with CSS smuggled in', withPin({ color: '#fff;background:url(x)' })],
    ['five-digit colour', withPin({ color: '#12345' })],
    ['unknown state', withPin({ state: 'resolved' })],
    ['active not a boolean', withPin({ active: 1 })],
    ['unknown kind', withPin({ kind: 'page' })],
    ['ordinal missing', withPin({ ordinal: undefined })],
    ['negative ordinal', withPin({ ordinal: -1 })],
    ['id too long', withPin({ id: 'i'.repeat(MAX_PIN_ID_LENGTH + 1) })],
    ['selector too long', withPin({ selector: 's'.repeat(MAX_SELECTOR_LENGTH + 1) })],
    ['quote too long', withPin({ quote: 'q'.repeat(MAX_QUOTE_LENGTH + 1) })],
    ['point outside the element', withPin({ point: { x: 0.5, y: 1.5 } })],
    ['point with a missing coordinate', withPin({ point: { x: 0.5 } })],
    ['point as an array', withPin({ point: [0.5, 0.5] })],
    ['point with extra fields', withPin({ point: { x: 0.5, y: 0.5, z: 0 } })],
    ['focus-pin with empty id', { loupe: 1, type: 'focus-pin', id: '' }],
    ['focus-pin without id', { loupe: 1, type: 'focus-pin' }],
  ])('rejects %s', (_name, data) => {
    expect(parseAppMessage(data)).toBeNull();
  });
});

describe('pin points: the frame reads them as the app schema does', () => {
  const corpus: Array<[string, unknown]> = [
    ['no point (an older anchor)', pin],
    ['a point', { ...pin, point: { x: 0.75, y: 0.1333 } }],
    ['the corners', { ...pin, point: { x: 0, y: 1 } }],
    ['out of the box', { ...pin, point: { x: 1.0001, y: 0 } }],
    ['negative', { ...pin, point: { x: -0.5, y: 0 } }],
    ['NaN', { ...pin, point: { x: Number.NaN, y: 0 } }],
    ['strings', { ...pin, point: { x: '1', y: '0' } }],
    ['extra field', { ...pin, point: { x: 0.1, y: 0.1, z: 0.1 } }],
    ['null', { ...pin, point: null }],
    ['an array', { ...pin, point: [0.1, 0.1] }],
  ];
  it.each(corpus)('%s', (_name, candidate) => {
    const message = { loupe: 1, type: 'pins', pins: [candidate] };
    const app = parseAppMessage(message);
    const frame = readAppMessage(message);
    expect(frame === null).toBe(app === null);
    if (app !== null && app.type === 'pins' && frame !== null && frame.type === 'pins') {
      expect(frame.pins[0].point).toEqual(app.pins[0].point);
    }
  });
});

describe('collapseWhitespace', () => {
  it('turns every run of whitespace, no-break spaces included, into one space', () => {
    expect(collapseWhitespace(' a \n\t b\u00a0\u00a0c  ')).toBe(' a b c ');
  });
});

// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { describeElement, namedElementFrom, ordinalOf, pickableFrom, selectorFor, splitQuote, tagLabel } from '../../lib/frame/overlay/naming';

/** How a picked element is named for the app: tag, ordinal, selector, quote. */

beforeEach(() => {
  document.body.innerHTML = `
    <main>
      <h1 id="title">Quarterly   report</h1>
      <p>First <b>bold</b> paragraph.</p>
      <p id="dup">Second</p>
      <section><p id="dup">Third,
        with a line break</p><p>Fourth</p></section>
      <svg><foreignObject><p>in svg</p></foreignObject><circle r="2"></circle></svg>
    </main>`;
});

const q = (selector: string): Element => document.querySelector(selector) as Element;
const ps = (): Element[] => Array.from(document.getElementsByTagName('p'));

describe('naming a picked element', () => {
  it('gives its tag, its index among elements of that tag, a selector that finds it, and its text collapsed', () => {
    const third = ps()[2];
    const named = describeElement(third);
    expect(named).toEqual({
      kind: 'element',
      tag: 'p',
      ordinal: 2,
      selector: 'body > main:nth-of-type(1) > section:nth-of-type(1) > p:nth-of-type(1)',
      quote: 'Third, with a line break',
      prefix: '',
      suffix: '',
    });
    expect(document.querySelector(named.selector)).toBe(third);
  });

  it('uses #id when the id is unique, a path when it is not', () => {
    expect(selectorFor(q('#title'))).toBe('#title');
    expect(selectorFor(ps()[1])).toBe('body > main:nth-of-type(1) > p:nth-of-type(2)');
    expect(selectorFor(document.body)).toBe('body');
  });

  it('always gives a selector that finds the element, whatever its id (escaped, or a path when that fails)', () => {
    const el = document.createElement('div');
    el.id = '1 odd"id';
    document.body.appendChild(el);
    expect(document.querySelector(selectorFor(el))).toBe(el);
  });

  it('counts ordinals over the whole document', () => {
    expect(ordinalOf(ps()[3], 'p')).toBe(3);
    expect(ordinalOf(q('h1'), 'h1')).toBe(0);
  });

  it('climbs from a text node or an SVG camelCase element to the nearest plain-tag element, never to <body> itself', () => {
    expect(namedElementFrom(q('b').firstChild)).toBe(q('b'));
    expect(pickableFrom(q('foreignObject'))).toBe(q('svg'));
    expect(pickableFrom(q('circle'))).toBe(q('circle'));
    expect(pickableFrom(document.body)).toBeNull();
    expect(namedElementFrom(document.body)).toBe(document.body);
    expect(pickableFrom(document.head)).toBeNull();
  });

  it('labels the outline with tag#id, cut at 60 characters', () => {
    expect(tagLabel(q('#title'))).toBe('h1#title');
    expect(tagLabel(q('main'))).toBe('main');
    const el = document.createElement('div');
    el.id = 'x'.repeat(100);
    expect(tagLabel(el)).toHaveLength(60);
  });

  it('caps the quote at 500 characters without splitting a surrogate pair', () => {
    const el = document.createElement('p');
    el.textContent = `${'a'.repeat(499)}\u{1F600}tail`;
    document.body.appendChild(el);
    expect(describeElement(el).quote).toBe('a'.repeat(499));
  });
});

describe('splitting a text selection into quote and context', () => {
  it('collapses whitespace and moves it from the ends of the quote into the context', () => {
    expect(splitQuote('Before the ', ' selected\n text ', 'and after')).toEqual({ quote: 'selected text', prefix: 'Before the ', suffix: ' and after' });
    expect(splitQuote('word', ' quote', '')).toEqual({ quote: 'quote', prefix: 'word ', suffix: '' });
  });

  it('refuses a selection of only whitespace', () => {
    expect(splitQuote('a', '  \n ', 'b')).toBeNull();
  });

  it('keeps 64 characters of context on each side', () => {
    const out = splitQuote('p'.repeat(200), 'q', 's'.repeat(200));
    expect(out?.prefix).toBe('p'.repeat(64));
    expect(out?.suffix).toBe('s'.repeat(64));
  });

  it('cuts a long quote at 500 characters and starts the suffix with what was cut', () => {
    const out = splitQuote('', `${'w '.repeat(300)}end`, ' after');
    expect(out?.quote.length).toBeLessThanOrEqual(500);
    expect(out?.quote.endsWith(' ')).toBe(false);
    expect(out?.suffix.startsWith(' w')).toBe(true);
  });
});

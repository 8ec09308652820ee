import { describe, expect, it } from 'vitest';
import { anchorName, quoteAddsToName, tagWord } from '../../lib/review/describe';

describe('anchorName', () => {
  it('uses the name the frame gave the pick', () => {
    expect(anchorName({ kind: 'element', tag: 'polyline', quote: '', name: 'chart in Impact' })).toBe('chart in Impact');
  });

  it('names older anchors from their quote or a word for their tag, never the raw tag', () => {
    expect(anchorName({ kind: 'element', tag: 'polyline', quote: '' })).toBe('chart');
    expect(anchorName({ kind: 'element', tag: 'img', quote: '' })).toBe('image');
    expect(anchorName({ kind: 'element', tag: 'div', quote: '' })).toBe('element');
    expect(anchorName({ kind: 'element', tag: 'p', quote: 'Latency rose after the deploy of the new cache layer' })).toBe(
      '“Latency rose after the deploy of the…”',
    );
    expect(anchorName({ kind: 'text', tag: 'p', quote: 'cache layer' })).toBe('“cache layer”');
  });

  it('shows the quote under the name only when the name does not already hold all of it', () => {
    expect(quoteAddsToName({ kind: 'element', tag: 'p', quote: 'Short one.', name: '“Short one.” in Timeline' })).toBe(false);
    expect(quoteAddsToName({ kind: 'element', tag: 'p', quote: 'A much longer paragraph that the name had to cut short.', name: '“A much longer paragraph…” in Timeline' })).toBe(true);
    expect(quoteAddsToName({ kind: 'element', tag: 'svg', quote: '', name: 'chart in Impact' })).toBe(false);
  });

  it('has a word for graphics', () => {
    expect(tagWord('svg')).toBe('chart');
    expect(tagWord('canvas')).toBe('chart');
    expect(tagWord('table')).toBe('table');
  });
});

import { describe, expect, it } from 'vitest';
import { matchByKey, pairChildren, shapeOf, similarity } from '../../lib/frame/keying';
import { newVnode, type VNode } from '../../lib/frame/vnode';

/** Length of the longest common subsequence, by the textbook table. */
const lcsLength = (a: readonly unknown[], b: readonly unknown[]): number => {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
  }
  return t[0][0];
};

/** A matching is valid when matched keys are equal and indexes increase on both sides. */
const checkMatching = (a: readonly unknown[], b: readonly unknown[], matchOf: number[]): number => {
  let last = -1;
  let count = 0;
  matchOf.forEach((i, j) => {
    if (i < 0) return;
    expect(a[i]).toBe(b[j]);
    expect(i).toBeGreaterThan(last);
    last = i;
    count++;
  });
  return count;
};

/** Small deterministic PRNG (mulberry32), so failures reproduce. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('matchByKey', () => {
  it('finds a longest common subsequence on small inputs (random edits)', () => {
    const next = random(42);
    for (let round = 0; round < 300; round++) {
      const a = Array.from({ length: Math.floor(next() * 30) }, () => Math.floor(next() * 8));
      const b = a.slice();
      for (let e = Math.floor(next() * 6); e > 0; e--) {
        const at = Math.floor(next() * (b.length + 1));
        if (next() < 0.5) b.splice(at, 1);
        else b.splice(at, 0, Math.floor(next() * 8));
      }
      const matchOf = matchByKey(a, b);
      expect(matchOf).toHaveLength(b.length);
      expect(checkMatching(a, b, matchOf)).toBe(lcsLength(a, b));
    }
  });

  it('matches common prefix and suffix around an edit exactly', () => {
    expect(matchByKey(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd'])).toEqual([0, -1, 2, 3]);
    expect(matchByKey(['a', 'b'], ['n', 'a', 'b'])).toEqual([-1, 0, 1]);
    expect(matchByKey([], ['a'])).toEqual([-1]);
    expect(matchByKey(['a'], [])).toEqual([]);
  });

  it('stays valid and near-complete on inputs too big for the table (patience anchors)', () => {
    // 3,000 × 3,000 is past the exact table's limit; unique keys, one block moved and a few edits.
    const a = Array.from({ length: 3000 }, (_, i) => `k${i}`);
    const b = a.slice();
    const moved = b.splice(100, 50);
    b.splice(2500, 0, ...moved);
    b[1000] = 'changed';
    b.splice(2000, 0, 'inserted');
    const matchOf = matchByKey(a, b);
    const count = checkMatching(a, b, matchOf);
    expect(count).toBe(3000 - 50 - 1);
  });
});

const text = (t: string): VNode => {
  const v = newVnode(3, null);
  v.text = t;
  v.hash = t.length * 7919 + t.charCodeAt(0);
  return v;
};
const element = (name: string, id: string, kids: VNode[], hash: number): VNode => {
  const v = newVnode(1, null);
  v.ns = 'http://www.w3.org/1999/xhtml';
  v.name = name;
  v.id = id;
  v.attrs = [];
  v.children = kids;
  v.hash = hash;
  return v;
};

describe('pairing siblings for morphing', () => {
  it('only pairs like with like: same element name and id, text with text; never scripts or templates', () => {
    expect(shapeOf(element('p', '', [], 1))).toBe(shapeOf(element('p', '', [], 2)));
    expect(shapeOf(element('p', 'a', [], 1))).not.toBe(shapeOf(element('p', 'b', [], 1)));
    expect(shapeOf(text('x'))).toBe('#text');
    const script = element('script', '', [], 1);
    script.atomic = true;
    expect(shapeOf(script)).toBe('');
  });

  it('scores similarity by shared head and tail characters', () => {
    expect(similarity(text('hello world'), text('hello world'))).toBe(1);
    expect(similarity(text('hello world'), text('goodbye moon'))).toBe(0);
    const near = similarity(text('The numbers look fine'), text('The numbers look great'));
    expect(near).toBeGreaterThan(0.3);
    expect(near).toBeLessThan(1);
  });

  it('pairs an edited element with its old self across an insertion, exact matches first', () => {
    const a = [element('p', '', [text('The quarterly numbers are in and they look fine')], 10), element('p', '', [text('Unchanged')], 11)];
    const b = [
      element('p', '', [text('A new opening paragraph')], 20),
      element('p', '', [text('The quarterly numbers are in and they look great')], 21),
      element('p', '', [text('Unchanged')], 11),
    ];
    const { matchOf, exact } = pairChildren(a, b);
    expect(matchOf).toEqual([-1, 0, 1]);
    expect(exact).toEqual([false, false, true]);
  });
});

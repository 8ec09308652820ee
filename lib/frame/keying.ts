/*
 * Keying: which old sibling becomes which new one. Pure (vnodes only).
 */
import type { VNode } from './vnode';

const max = Math.max;
const min = Math.min;

/**
 * Order-preserving matching of a[] and b[] by key equality (LCS). Returns
 * matchOf, where matchOf[j] is the index in a matched to b[j], or -1.
 * Common prefix and suffix first (the usual live edit touches one region);
 * exact DP for the middle when it is small; otherwise patience matching on
 * keys unique to both sides, recursing into the gaps between them.
 */
const DP_LIMIT = 1 << 20;
export const matchByKey = <K>(aKeys: readonly K[], bKeys: readonly K[]): number[] => {
  const matchOf: number[] = new Array<number>(bKeys.length).fill(-1);
  const solve = (a0: number, a1: number, b0: number, b1: number): void => {
    while (a0 < a1 && b0 < b1 && aKeys[a0] === bKeys[b0]) matchOf[b0++] = a0++;
    while (a0 < a1 && b0 < b1 && aKeys[a1 - 1] === bKeys[b1 - 1]) matchOf[--b1] = --a1;
    const n = a1 - a0;
    const m = b1 - b0;
    if (n === 0 || m === 0) return;
    if (n * m <= DP_LIMIT) {
      lcsTable(a0, a1, b0, b1);
      return;
    }
    const anchors = uniqueAnchors(a0, a1, b0, b1);
    if (anchors.length === 0) return;
    let pa = a0;
    let pb = b0;
    for (let k = 0; k < anchors.length; k += 2) {
      solve(pa, anchors[k], pb, anchors[k + 1]);
      matchOf[anchors[k + 1]] = anchors[k];
      pa = anchors[k] + 1;
      pb = anchors[k + 1] + 1;
    }
    solve(pa, a1, pb, b1);
  };
  const lcsTable = (a0: number, a1: number, b0: number, b1: number): void => {
    const n = a1 - a0;
    const m = b1 - b0;
    const w = m + 1;
    const t = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        t[i * w + j] = aKeys[a0 + i] === bKeys[b0 + j] ? t[(i + 1) * w + j + 1] + 1 : max(t[(i + 1) * w + j], t[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (aKeys[a0 + i] === bKeys[b0 + j]) {
        matchOf[b0 + j] = a0 + i;
        i++;
        j++;
      } else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) i++;
      else j++;
    }
  };
  // Keys occurring once on each side, then the longest run of them that is
  // increasing in both (patience sorting). Returns [ai, bj, ai, bj, ...].
  const uniqueAnchors = (a0: number, a1: number, b0: number, b1: number): number[] => {
    const seen = new Map<K, { a: number; na: number; b: number; nb: number }>();
    for (let i = a0; i < a1; i++) {
      const s = seen.get(aKeys[i]);
      seen.set(aKeys[i], s === undefined ? { a: i, na: 1, b: -1, nb: 0 } : { a: s.a, na: s.na + 1, b: -1, nb: 0 });
    }
    for (let j = b0; j < b1; j++) {
      const s = seen.get(bKeys[j]);
      if (s !== undefined) {
        s.b = j;
        s.nb++;
      }
    }
    const pairs: number[] = [];
    for (let j = b0; j < b1; j++) {
      const s = seen.get(bKeys[j]);
      if (s !== undefined && s.na === 1 && s.nb === 1) pairs.push(s.a, j);
    }
    // pairs is in b order; longest increasing subsequence on a.
    const count = pairs.length / 2;
    const tails: number[] = [];
    const prev = new Int32Array(count).fill(-1);
    for (let k = 0; k < count; k++) {
      const av = pairs[2 * k];
      let lo = 0;
      let hi = tails.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (pairs[2 * tails[mid]] < av) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0) prev[k] = tails[lo - 1];
      tails[lo] = k;
    }
    const out: number[] = new Array<number>(tails.length * 2);
    for (let k = tails.length ? tails[tails.length - 1] : -1, p = tails.length - 1; k >= 0; k = prev[k], p--) {
      out[2 * p] = pairs[2 * k];
      out[2 * p + 1] = pairs[2 * k + 1];
    }
    return out;
  };
  solve(0, aKeys.length, 0, bKeys.length);
  return matchOf;
};

const SAMPLE = 48;

/** The first and last characters of a vnode's text, to tell edited siblings apart. */
export const sampleOf = (v: VNode): { head: string; tail: string } => {
  if (v.sample !== null) return v.sample;
  let head = '';
  let tail = '';
  if (v.kind !== 1 || v.atomic) {
    head = v.text.slice(0, SAMPLE);
    tail = v.text.slice(-SAMPLE);
  } else {
    const kids = v.children as VNode[];
    for (let i = 0; i < kids.length && head.length < SAMPLE; i++) head += sampleOf(kids[i]).head;
    for (let i = kids.length - 1; i >= 0 && tail.length < SAMPLE; i--) tail = sampleOf(kids[i]).tail + tail;
    head = head.slice(0, SAMPLE);
    tail = tail.slice(-SAMPLE);
  }
  v.sample = { head, tail };
  return v.sample;
};

/**
 * What may be morphed into what: an element into one with the same name
 * and id, text into text, a comment into a comment. Scripts and templates
 * never ('').
 */
export const shapeOf = (v: VNode): string => {
  if (v.shapeKey === null) {
    if (v.kind === 3) v.shapeKey = '#text';
    else if (v.kind === 8) v.shapeKey = '#comment';
    else v.shapeKey = v.atomic ? '' : `${v.ns}|${v.name}#${v.id}`;
  }
  return v.shapeKey;
};

/** 0..1: how alike two siblings read, from their first and last characters. */
export const similarity = (vx: VNode, vy: VNode): number => {
  const x = sampleOf(vx);
  const y = sampleOf(vy);
  let p = 0;
  const pn = min(x.head.length, y.head.length);
  while (p < pn && x.head.charCodeAt(p) === y.head.charCodeAt(p)) p++;
  let s = 0;
  const sn = min(x.tail.length, y.tail.length);
  while (s < sn && x.tail.charCodeAt(x.tail.length - 1 - s) === y.tail.charCodeAt(y.tail.length - 1 - s)) s++;
  const denom = max(x.head.length, y.head.length, 1) + max(x.tail.length, y.tail.length, 1);
  return (p + s) / denom;
};

/**
 * Pairs the leftovers between two exact matches for in-place morphing:
 * same shape required, and among those the alignment with the most
 * similar content wins (so an edited paragraph pairs with its old self,
 * not with a new paragraph inserted before it). Large gaps fall back to
 * plain LCS on shape.
 */
const WEIGHTED_LIMIT = 4096;
const pairable = (x: VNode, y: VNode): boolean => shapeOf(x) !== '' && shapeOf(x) === shapeOf(y);
export const pairGap = (a: readonly VNode[], ai: readonly number[], b: readonly VNode[], bj: readonly number[], matchOf: number[]): void => {
  const n = ai.length;
  const m = bj.length;
  if (n === 0 || m === 0) return;
  if (n * m > WEIGHTED_LIMIT) {
    const aKeys = ai.map((i) => shapeOf(a[i]) || `\u0000${i}`);
    const bKeys = bj.map((j) => shapeOf(b[j]) || `\u0001${j}`);
    const sub = matchByKey(aKeys, bKeys);
    for (let k = 0; k < m; k++) if (sub[k] >= 0) matchOf[bj[k]] = ai[sub[k]];
    return;
  }
  const w = m + 1;
  const score = new Float64Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      let best = max(score[(i + 1) * w + j], score[i * w + j + 1]);
      const x = a[ai[i]];
      const y = b[bj[j]];
      if (pairable(x, y)) best = max(best, score[(i + 1) * w + j + 1] + 1 + similarity(x, y));
      score[i * w + j] = best;
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const x = a[ai[i]];
    const y = b[bj[j]];
    const here = score[i * w + j];
    if (pairable(x, y) && here === score[(i + 1) * w + j + 1] + 1 + similarity(x, y)) {
      matchOf[bj[j]] = ai[i];
      i++;
      j++;
    } else if (here === score[(i + 1) * w + j]) i++;
    else j++;
  }
};

/**
 * The full pairing of old children a[] to new children b[]: exact matches
 * by subtree hash (LCS), then leftovers of the same shape between them.
 * Returns matchOf (b index → a index or -1) and which of those are exact.
 */
export const pairChildren = (a: readonly VNode[], b: readonly VNode[]): { matchOf: number[]; exact: boolean[] } => {
  const matchOf = matchByKey(
    a.map((v) => v.hash),
    b.map((v) => v.hash),
  );
  const exact = matchOf.map((i) => i >= 0);
  // Between exact matches, pair leftovers of the same shape for morphing.
  let lastA = -1;
  for (let j = 0; j <= b.length; j++) {
    if (j < b.length && !exact[j]) continue;
    const nextA = j < b.length ? matchOf[j] : a.length;
    const ai: number[] = [];
    for (let i = lastA + 1; i < nextA; i++) ai.push(i);
    const bj: number[] = [];
    let firstB = j;
    while (firstB > 0 && !exact[firstB - 1]) firstB--;
    for (let k = firstB; k < j; k++) bj.push(k);
    pairGap(a, ai, b, bj, matchOf);
    lastA = nextA;
  }
  return { matchOf, exact };
};

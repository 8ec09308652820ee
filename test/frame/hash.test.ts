import { describe, expect, it } from 'vitest';
import { DIRTY_HASH, hashString, mixIn, mixOut, newMix } from '../../lib/frame/hash';

describe('cyrb53 (hashString)', () => {
  it('gives the published cyrb53 values', () => {
    // From the reference implementation's documentation (bryc/code, cyrb53).
    expect(hashString('a', 0)).toBe(7929297801672961);
    expect(hashString('b', 0)).toBe(8684336938537663);
    expect(hashString('revenge', 0)).toBe(4051478007546757);
    expect(hashString('revenue', 0)).toBe(8309097637345594);
    expect(hashString('revenue', 1)).toBe(8697026808958300);
  });

  it('is a 53-bit non-negative integer, seed-dependent, and tells near-identical strings apart', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const h = hashString(`<p>paragraph ${i}</p>`, 1);
      expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
      seen.add(h);
    }
    expect(seen.size).toBe(10_000);
    expect(hashString('x', 1)).not.toBe(hashString('x', 2));
    expect(hashString('', 1)).not.toBe(hashString('', 2));
  });
});

describe('mixing', () => {
  const mixOf = (seed: number, parts: number[]): number => {
    const m = newMix(seed);
    for (const p of parts) mixIn(m, p);
    return mixOut(m);
  };
  const a = hashString('a', 1);
  const b = hashString('b', 1);

  it('is deterministic and order-sensitive', () => {
    expect(mixOf(3, [a, b])).toBe(mixOf(3, [a, b]));
    expect(mixOf(3, [a, b])).not.toBe(mixOf(3, [b, a]));
    expect(mixOf(3, [a])).not.toBe(mixOf(3, [a, a]));
    expect(mixOf(3, [])).not.toBe(mixOf(4, []));
  });

  it('uses both halves of a 53-bit input', () => {
    // Same low 32 bits, different high bits.
    expect(mixOf(3, [2 ** 32 + 5])).not.toBe(mixOf(3, [2 * 2 ** 32 + 5]));
  });

  it('never produces the dirty marker', () => {
    for (let i = 0; i < 1000; i++) expect(mixOf(i, [i * 7919])).not.toBe(DIRTY_HASH);
  });
});

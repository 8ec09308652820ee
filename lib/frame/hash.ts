/*
 * Content hashes for vnodes. Building runs over every node of every render,
 * so it does no string building: hashes are mixed as numbers. Pure.
 */
const imul = Math.imul;

/** 53-bit string hash (cyrb53): fast, and collisions are out of reach for page-sized inputs. */
export const hashString = (str: string, seed: number): number => {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = imul(h1 ^ ch, 2654435761);
    h2 = imul(h2 ^ ch, 1597334677);
  }
  h1 = imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
};

/** An ordered combination of 53-bit hashes in progress. */
export interface Mix {
  h1: number;
  h2: number;
}

/** Ordered combination of 53-bit hashes, same mixing as hashString. */
export const newMix = (seed: number): Mix => ({ h1: 0xdeadbeef ^ seed, h2: 0x41c6ce57 ^ seed });
export const mixIn = (m: Mix, n: number): void => {
  const lo = n >>> 0;
  const hi = (n / 4294967296) >>> 0;
  m.h1 = imul(imul(m.h1 ^ lo, 2654435761) ^ hi, 2654435761);
  m.h2 = imul(imul(m.h2 ^ lo, 1597334677) ^ hi, 1597334677);
};
export const mixOut = (m: Mix): number => {
  let h1 = m.h1;
  let h2 = m.h2;
  h1 = imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
};

export const SEED_TEXT = 1;
export const SEED_COMMENT = 2;
export const SEED_ELEMENT = 3;
export const SEED_NAME = 4;
export const SEED_ATTR = 5;
export const SEED_SOURCE = 6;

/**
 * A subtree hash no fresh hash can equal: every hash above is a
 * non-negative integer below 2^53. An ancestor of a subtree patched in
 * place (patchChildRange) gets it, so a later full render compares unequal
 * and morphs instead of skipping the subtree as unchanged.
 */
export const DIRTY_HASH = -1;

// Element names repeat endlessly; hash each (namespace, name) once.
const nameHashes = new Map<string, Map<string | null, number>>();
export const nameHash = (ns: string | null, name: string): number => {
  let byNs = nameHashes.get(name);
  if (byNs === undefined) {
    byNs = new Map();
    nameHashes.set(name, byNs);
  }
  let h = byNs.get(ns);
  if (h === undefined) {
    h = hashString(`${ns}|${name}`, SEED_NAME);
    byNs.set(ns, h);
  }
  return h;
};

/* Plain text helpers shared by naming, pins and the protocol. Pure: no DOM. */

const WHITESPACE_RUN = /\s+/g;
export const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/** Runs of whitespace become one space (the same rule as collapseWhitespace in bridge.ts). */
export const collapse = (text: string): string => text.replace(WHITESPACE_RUN, ' ');

/** The first n UTF-16 units of text, never ending inside a surrogate pair. */
export const clipHead = (text: string, n: number): string => {
  if (text.length <= n) return text;
  const last = text.charCodeAt(n - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
};

/** The last n UTF-16 units of text, never starting inside a surrogate pair. */
export const clipTail = (text: string, n: number): string => {
  if (text.length <= n) return text;
  const first = text.charCodeAt(text.length - n);
  return text.slice(first >= 0xdc00 && first <= 0xdfff ? text.length - n + 1 : text.length - n);
};

/** Code points, as zod counts string lengths. */
export const isBoundedString = (value: unknown, minLength: number, maxLength: number): value is string => {
  if (typeof value !== 'string' || value.length > 2 * maxLength) return false;
  let n = 0;
  for (let i = 0; i < value.length; i++, n++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n >= minLength && n <= maxLength;
};

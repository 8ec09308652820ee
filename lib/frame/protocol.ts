/*
 * Validation of what the app sends. The frame cannot carry zod, so these are
 * hand-written; test/sandbox/frame-protocol.test.ts runs them and the app's
 * zod `parseAppMessage` on the same corpus and checks they agree. Pure: no
 * DOM, so the test runs them in Node.
 */
import {
  HEX_COLOR_PATTERN,
  MAX_ORDINAL,
  MAX_PIN_ID_LENGTH,
  MAX_PIN_LABEL_LENGTH,
  MAX_PINS,
  MAX_PIXELS,
  MAX_QUOTE_LENGTH,
  MAX_PATCH_INSERT_LENGTH,
  MAX_PATCH_OPS,
  MAX_RENDER_HTML_LENGTH,
  MAX_SELECTOR_LENGTH,
  MAX_SOURCE_LENGTH,
  MAX_TAG_LENGTH,
  PROTOCOL_VERSION,
  QUOTE_CHECK_LENGTH,
  TAG_NAME_PATTERN,
  type AnchorPointShape,
  type ColorScheme,
  type DeltaOp,
  type PinShape,
  type SourceFormat,
} from '../sandbox/limits';
import { REGEXP_SPECIAL, clipHead, collapse, isBoundedString } from './text';

/** A pin as the frame keeps it: the app's fields plus what placement needs, worked out once. */
export interface Pin extends Omit<PinShape, 'quote'> {
  /** The quote, whitespace collapsed: the pin's accessible name reads it out. */
  quoteWords: string;
  /** What a selector-found element's text must contain. */
  quoteHead: string;
  /** The quote with any whitespace between its words, for the highlight; null for none. */
  quotePattern: RegExp | null;
}

/** An app message after validation (pins read into Pin). */
export type AppMessage =
  | { type: 'render'; rev: number; format: SourceFormat; html: string }
  | { type: 'patch'; rev: number; base: number; format: SourceFormat; ops: DeltaOp[]; length: number }
  | { type: 'scrollTo'; y: number }
  | { type: 'theme'; scheme: ColorScheme }
  | { type: 'pick'; on: boolean }
  | { type: 'pins'; pins: Pin[] }
  | { type: 'focus-pin'; id: string };

export const isPlainNumber = (v: unknown): v is number => typeof v === 'number' && v === v && v >= 0 && v <= MAX_PIXELS;

const isFraction = (v: unknown): v is number => typeof v === 'number' && v === v && v >= 0 && v <= 1;

/** Mirrors `anchorPointSchema` (lib/review/anchor-schema.ts): exactly `{x, y}`, each in [0, 1]. */
export const readPoint = (value: unknown): AnchorPointShape | null => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 2) return null;
  const { x, y } = value as Record<string, unknown>;
  return isFraction(x) && isFraction(y) ? { x, y } : null;
};

/** Mirrors the pin schema in lib/sandbox/bridge.ts; null for anything else. */
export const readPin = (value: unknown): Pin | null => {
  if (value === null || typeof value !== 'object') return null;
  const { id, kind, tag, ordinal, selector, quote, label, color, state, active, point } = value as Record<string, unknown>;
  if (!isBoundedString(id, 1, MAX_PIN_ID_LENGTH)) return null;
  if (kind !== 'element' && kind !== 'text') return null;
  if (!isBoundedString(tag, 1, MAX_TAG_LENGTH) || !TAG_NAME_PATTERN.test(tag)) return null;
  if (ordinal !== null && !(typeof ordinal === 'number' && Number.isInteger(ordinal) && ordinal >= 0 && ordinal <= MAX_ORDINAL)) return null;
  if (!isBoundedString(selector, 0, MAX_SELECTOR_LENGTH) || !isBoundedString(quote, 0, MAX_QUOTE_LENGTH)) return null;
  if (!isBoundedString(label, 1, MAX_PIN_LABEL_LENGTH)) return null;
  if (typeof color !== 'string' || !HEX_COLOR_PATTERN.test(color)) return null;
  if (state !== 'ok' && state !== 'changed' && state !== 'outdated') return null;
  if (typeof active !== 'boolean') return null;
  const at = point === undefined ? undefined : readPoint(point);
  if (at === null) return null;
  const words = collapse(quote).trim();
  return {
    id,
    kind,
    tag,
    ordinal,
    selector,
    label,
    color,
    state,
    active,
    ...(at === undefined ? {} : { point: at }),
    // Worked out once per `pins` message, not on every placement.
    quoteWords: words,
    quoteHead: clipHead(words, QUOTE_CHECK_LENGTH),
    quotePattern:
      kind === 'text' && words !== '' ? new RegExp(words.split(' ').map((w) => w.replace(REGEXP_SPECIAL, '\\$&')).join('\\s+')) : null,
  };
};

/** The whole list or nothing, as the app's schema would have it. */
export const readPins = (value: unknown): Pin[] | null => {
  if (!Array.isArray(value) || value.length > MAX_PINS) return null;
  const list: Pin[] = [];
  for (let i = 0; i < value.length; i++) {
    const pin = readPin(value[i]);
    if (pin === null) return null;
    list.push(pin);
  }
  return list;
};

/** True for anything that claims to be ours (`loupe: 1`); only those are stopped from reaching the artifact. */
export const isLoupeMessage = (data: unknown): data is Record<string, unknown> =>
  data !== null && typeof data === 'object' && (data as { loupe?: unknown }).loupe === PROTOCOL_VERSION;

const isRev = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isCount = (v: unknown, min: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= MAX_SOURCE_LENGTH;

/** Mirrors the patch schema in lib/sandbox/bridge.ts: bounded ops of exactly one kind each. */
const readPatch = (data: Record<string, unknown>): AppMessage | null => {
  const { rev, base, format, ops, length } = data;
  if (!isRev(rev) || !isRev(base) || rev <= base) return null;
  if (format !== 'html' || !isCount(length, 0)) return null;
  if (!Array.isArray(ops) || ops.length < 1 || ops.length > MAX_PATCH_OPS) return null;
  const read: DeltaOp[] = [];
  let inserted = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as unknown;
    if (op === null || typeof op !== 'object') return null;
    const keys = Object.keys(op);
    if (keys.length !== 1) return null;
    const value = (op as Record<string, unknown>)[keys[0]];
    if (keys[0] === 'retain' && isCount(value, 1)) read.push({ retain: value });
    else if (keys[0] === 'delete' && isCount(value, 1)) read.push({ delete: value });
    else if (keys[0] === 'insert' && typeof value === 'string' && value.length >= 1) {
      inserted += value.length;
      if (inserted > MAX_PATCH_INSERT_LENGTH) return null;
      read.push({ insert: value });
    } else return null;
  }
  return { type: 'patch', rev, base, format, ops: read, length };
};

/** The message the app meant, or null when it is not one the frame accepts. */
export const readAppMessage = (data: unknown): AppMessage | null => {
  if (!isLoupeMessage(data)) return null;
  switch (data.type) {
    case 'render': {
      const { rev, html, format } = data;
      if (!isRev(rev)) return null;
      if (format !== undefined && format !== 'html') return null;
      // Code points, as zod counts; counted only past the limit in UTF-16 units, so a page pays nothing for it.
      if (typeof html !== 'string' || (html.length > MAX_RENDER_HTML_LENGTH && !isBoundedString(html, 0, MAX_RENDER_HTML_LENGTH))) return null;
      return { type: 'render', rev, format: 'html', html };
    }
    case 'patch':
      return readPatch(data);
    case 'scrollTo':
      return isPlainNumber(data.y) ? { type: 'scrollTo', y: data.y } : null;
    case 'theme':
      return data.scheme === 'light' || data.scheme === 'dark' ? { type: 'theme', scheme: data.scheme } : null;
    case 'pick':
      return typeof data.on === 'boolean' ? { type: 'pick', on: data.on } : null;
    case 'pins': {
      const pins = readPins(data.pins);
      return pins === null ? null : { type: 'pins', pins };
    }
    case 'focus-pin':
      return isBoundedString(data.id, 1, MAX_PIN_ID_LENGTH) ? { type: 'focus-pin', id: data.id } : null;
    default:
      return null;
  }
};

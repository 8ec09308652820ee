import { z } from 'zod';
import { anchorPlaceFields, anchorPointSchema } from '../review/anchor-schema';
import {
  HEX_COLOR_PATTERN,
  LINK_PROTOCOL_LIST,
  MAX_CONTEXT_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_HREF_LENGTH,
  MAX_ORDINAL,
  MAX_PIN_ID_LENGTH,
  MAX_PIN_LABEL_LENGTH,
  MAX_PINS,
  MAX_PIXELS,
  MAX_QUOTE_LENGTH,
  MAX_RENDER_HTML_LENGTH,
  MAX_SELECTOR_LENGTH,
  MAX_TAG_LENGTH,
  PROTOCOL_VERSION,
  TAG_NAME_PATTERN,
  type AppMessageShape,
  type FrameOutgoing,
  type PinShape,
  MAX_PATCH_INSERT_LENGTH,
  MAX_PATCH_OPS,
  MAX_SOURCE_LENGTH,
  SOURCE_FORMATS,
  type DeltaOp,
  type SourceFormat,
} from './limits';

export { MAX_PATCH_INSERT_LENGTH, MAX_PATCH_OPS, SOURCE_FORMATS, type DeltaOp, type SourceFormat };

/**
 * The postMessage protocol between the app and an artifact frame.
 *
 * Every message is a plain object `{ loupe: 1, type, ... }`. The frame runs
 * untrusted code with an opaque origin, so `event.origin` is the string
 * "null" and proves nothing: the app must check
 * `event.source === iframe.contentWindow` and then run every message through
 * `parseFrameMessage`. A hostile artifact can post anything, as often as it
 * likes; the schema below is the whole of what the app will believe.
 *
 * The limits and the TypeScript shapes of every message live in
 * ./limits.ts, shared with the frame program (lib/frame), which checks app
 * messages by hand (lib/frame/protocol.ts) because it cannot carry zod;
 * `parseAppMessage` applies the same rules, and test/sandbox/frame-protocol.test.ts
 * checks the two agree on a corpus of good and bad messages.
 *
 * Review messages (pick mode, text selection, comment pins) follow the same
 * rules. Everything they carry about the page (tags, selectors, quotes) comes
 * from untrusted code and is only ever shown as text or used to find an anchor
 * in the page source; every string is length-capped and every number bounded,
 * so a forged message can at worst point at the wrong place in the page.
 * String limits count Unicode code points, as zod does.
 */

export {
  PROTOCOL_VERSION,
  MAX_HREF_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_RENDER_HTML_LENGTH,
  MAX_PINS,
  MAX_PIN_ID_LENGTH,
  MAX_PIN_LABEL_LENGTH,
  MAX_TAG_LENGTH,
  MAX_SELECTOR_LENGTH,
  MAX_QUOTE_LENGTH,
  MAX_CONTEXT_LENGTH,
  QUOTE_CHECK_LENGTH,
  MAX_ORDINAL,
  TAG_NAME_PATTERN,
  HEX_COLOR_PATTERN,
} from './limits';
export const LINK_PROTOCOLS: ReadonlySet<string> = new Set(LINK_PROTOCOL_LIST);

const pixels = z.number().nonnegative().max(MAX_PIXELS);
/** A viewport coordinate: negative when the box starts above or left of the viewport. */
const coordinate = z.number().min(-MAX_PIXELS).max(MAX_PIXELS);
const rev = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The app opens this in a new tab, so it must be absolute and of a harmless
 * scheme: a `javascript:` or `data:` href would run in, or impersonate, the app.
 */
export function isSafeLinkHref(href: string): boolean {
  if (href.length > MAX_HREF_LENGTH) return false;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  return LINK_PROTOCOLS.has(url.protocol);
}

/**
 * The whitespace normalisation every quote goes through, in the frame and in
 * the app: runs of whitespace (JS `\s`, so no-break spaces too) become one
 * space. Quotes are also trimmed; prefixes and suffixes are not, so a word
 * boundary next to the quote survives.
 */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ');
}

const base = { loupe: z.literal(PROTOCOL_VERSION) };
const metrics = { scrollY: pixels, scrollHeight: pixels, viewportHeight: pixels };

// ---- frame → app ----

const readySchema = z.object({
  ...base,
  type: z.literal('ready'),
  /** The frame applies `patch` messages (else the app sends every change as a full `render`). */
  delta: z.boolean().optional(),
});
const resyncSchema = z.object({ ...base, type: z.literal('resync'), have: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER) });
const renderedSchema = z.object({ ...base, type: z.literal('rendered'), rev, ...metrics });
const scrollSchema = z.object({ ...base, type: z.literal('scroll'), ...metrics });
const openLinkSchema = z.object({
  ...base,
  type: z.literal('open-link'),
  href: z.string().max(MAX_HREF_LENGTH).refine(isSafeLinkHref),
});
const errorSchema = z.object({
  ...base,
  type: z.literal('error'),
  message: z.string().max(MAX_ERROR_MESSAGE_LENGTH),
});

// ---- frame → app: review ----

const tagName = z.string().min(1).max(MAX_TAG_LENGTH).regex(TAG_NAME_PATTERN);
const ordinal = z.number().int().nonnegative().max(MAX_ORDINAL);
const pinId = z.string().min(1).max(MAX_PIN_ID_LENGTH);
const context = z.string().max(MAX_CONTEXT_LENGTH);

const rectSchema = z.object({ x: coordinate, y: coordinate, width: pixels, height: pixels });

const targetFields = {
  /** Lower-case tag name of the element (for text: the element holding the whole selection). */
  tag: tagName,
  /** Index of the element in `document.getElementsByTagName(tag)`. */
  ordinal,
  /** `#id` when that id is unique, else a `tag:nth-of-type(n)` path from `body`. */
  selector: z.string().min(1).max(MAX_SELECTOR_LENGTH),
  /** `point`: where in the element's box the reviewer clicked (fractions); `name`: what was picked, in words. */
  ...anchorPlaceFields,
};
const elementTargetSchema = z.object({
  kind: z.literal('element'),
  ...targetFields,
  /** The element's text, whitespace-collapsed and trimmed; empty for an image or a rule. */
  quote: z.string().max(MAX_QUOTE_LENGTH),
  prefix: z.literal(''),
  suffix: z.literal(''),
});
const textTargetSchema = z.object({
  kind: z.literal('text'),
  ...targetFields,
  /** The selected text, whitespace-collapsed and trimmed (its first 500 characters). */
  quote: z.string().min(1).max(MAX_QUOTE_LENGTH),
  /** Up to 64 characters of the element's text right before and after the quote, whitespace-collapsed. */
  prefix: context,
  suffix: context,
});
const pickTargetSchema = z.discriminatedUnion('kind', [elementTargetSchema, textTargetSchema]);

const pickedSchema = z.object({ ...base, type: z.literal('picked'), target: pickTargetSchema, rect: rectSchema });
const selectionSchema = z
  .object({
    ...base,
    type: z.literal('selection'),
    target: textTargetSchema.nullable(),
    rect: rectSchema.nullable(),
  })
  .refine((message) => (message.target === null) === (message.rect === null), 'target and rect are both set or both null');
const pickCancelledSchema = z.object({ ...base, type: z.literal('pick-cancelled') });
const pinClickSchema = z.object({ ...base, type: z.literal('pin-click'), id: pinId });
const pinPlacementSchema = z.object({
  id: pinId,
  /** Whether the pin's element was found on the page. */
  found: z.boolean(),
  /** Document x (CSS px from the left of the page) of the pin's left edge; null when it is not drawn. */
  x: pixels.nullable(),
  /** Document y (CSS px from the top of the page) where the pin is drawn; null when it is not drawn. */
  y: pixels.nullable(),
});
const pinsPlacedSchema = z.object({
  ...base,
  type: z.literal('pins-placed'),
  placed: z.array(pinPlacementSchema).max(MAX_PINS),
});

export const frameMessageSchema = z.discriminatedUnion('type', [
  readySchema,
  renderedSchema,
  scrollSchema,
  openLinkSchema,
  errorSchema,
  resyncSchema,
  pickedSchema,
  selectionSchema,
  pickCancelledSchema,
  pinClickSchema,
  pinsPlacedSchema,
]);

export type FrameReadyMessage = z.infer<typeof readySchema>;
/** The frame could not apply a `patch` (a gap, a length mismatch, a source it lost): answer with a full `render`. */
export type FrameResyncMessage = z.infer<typeof resyncSchema>;
/** Sent after a render has been applied and the reader's place restored. */
export type FrameRenderedMessage = z.infer<typeof renderedSchema>;
/** Throttled (about 10 a second) while the reader scrolls or the page resizes. */
export type FrameScrollMessage = z.infer<typeof scrollSchema>;
/**
 * The reader clicked a link, or the artifact says so: it can post this itself.
 * Only ever a request: the app asks the reader in its own dialog before
 * anything opens (app/a/[id]/_live/open-link-dialog.tsx).
 */
export type FrameOpenLinkMessage = z.infer<typeof openLinkSchema>;
/** An uncaught error or blocked request inside the artifact (rate-limited). */
export type FrameErrorMessage = z.infer<typeof errorSchema>;
/** A rectangle in the frame's viewport coordinates (CSS px). */
export type FrameRect = z.infer<typeof rectSchema>;
export type ElementPickTarget = z.infer<typeof elementTargetSchema>;
export type TextPickTarget = z.infer<typeof textTargetSchema>;
/** What a reviewer pointed at: an element, or a text selection inside one. */
export type PickTarget = z.infer<typeof pickTargetSchema>;
/**
 * The reviewer picked an element in pick mode (click, or Enter on the
 * keyboard highlight). Pick mode has ended in the frame. `rect` is the
 * element's box in the frame's viewport. The frame sends element targets
 * today; the schema also admits text ones.
 */
export type FramePickedMessage = z.infer<typeof pickedSchema>;
/**
 * The reader's text selection in the page settled (150 ms debounce) on new
 * text, or was cleared (`target` and `rect` both null). Re-sent with a fresh
 * rect after the page scrolls while a selection is showing.
 */
export type FrameSelectionMessage = z.infer<typeof selectionSchema>;
/** The reviewer left pick mode with Escape. Not sent when the app turns pick mode off. */
export type FramePickCancelledMessage = z.infer<typeof pickCancelledSchema>;
/** The reviewer clicked a pin (or pressed Enter/Space on it): open that thread. */
export type FramePinClickMessage = z.infer<typeof pinClickSchema>;
export type PinPlacement = z.infer<typeof pinPlacementSchema>;
/**
 * Where the pins stand, one entry per pin of the last `pins` message, in the
 * same order. Sent after every `pins` message and render, and after a resize,
 * reflow or inner scroll when a placement changed.
 */
export type FramePinsPlacedMessage = z.infer<typeof pinsPlacedSchema>;
export type FrameMessage = z.infer<typeof frameMessageSchema>;

/**
 * Validates a message that came from the artifact frame. Call only after
 * checking `event.source === iframe.contentWindow`. Unknown keys are dropped.
 */
export function parseFrameMessage(data: unknown): FrameMessage | null {
  return safely(frameMessageSchema, data);
}

/**
 * safeParse, but null rather than an exception for inputs that throw when
 * read (getters, proxies). postMessage data is structured-cloned and cannot
 * carry those, but a validator on a trust boundary should not rely on that.
 */
function safely<T>(schema: z.ZodType<T>, data: unknown): T | null {
  try {
    const result = schema.safeParse(data);
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** The source check and the validation in one step, for a `message` listener. */
export function readFrameMessage(
  event: Pick<MessageEvent, 'source' | 'data'>,
  frameWindow: MessageEventSource | null,
): FrameMessage | null {
  if (frameWindow === null || event.source !== frameWindow) return null;
  return parseFrameMessage(event.data);
}

// ---- app → frame ----

const format = z.enum(SOURCE_FORMATS);
const renderSchema = z.object({
  ...base,
  type: z.literal('render'),
  rev,
  /** Absent means `html` (frames and tests that predate the delta protocol). */
  format: format.optional(),
  html: z.string().max(MAX_RENDER_HTML_LENGTH),
});
const count = z.number().int().nonnegative().max(MAX_SOURCE_LENGTH);
const deltaOpSchema = z.union([
  z.strictObject({ retain: count.min(1) }),
  z.strictObject({ insert: z.string().min(1).max(MAX_PATCH_INSERT_LENGTH) }),
  z.strictObject({ delete: count.min(1) }),
]);
const patchSchema = z
  .object({
    ...base,
    type: z.literal('patch'),
    rev,
    base: rev,
    format,
    ops: z.array(deltaOpSchema).min(1).max(MAX_PATCH_OPS),
    length: count,
  })
  .refine((message) => message.rev > message.base, 'rev must be greater than base')
  .refine(
    (message) => message.ops.reduce((sum, op) => sum + ('insert' in op ? op.insert.length : 0), 0) <= MAX_PATCH_INSERT_LENGTH,
    'too much inserted text for one patch',
  );
const scrollToSchema = z.object({ ...base, type: z.literal('scrollTo'), y: pixels });
const themeSchema = z.object({ ...base, type: z.literal('theme'), scheme: z.enum(['light', 'dark']) });

const pinSchema = z.object({
  id: pinId,
  kind: z.enum(['element', 'text']),
  tag: tagName,
  /** Index in `document.getElementsByTagName(tag)`; null to find the element by `selector` + `quote`. */
  ordinal: ordinal.nullable(),
  selector: z.string().max(MAX_SELECTOR_LENGTH),
  quote: z.string().max(MAX_QUOTE_LENGTH),
  /** Shown on the pin, e.g. the thread's number. */
  label: z.string().min(1).max(MAX_PIN_LABEL_LENGTH),
  color: z.string().regex(HEX_COLOR_PATTERN),
  state: z.enum(['ok', 'changed', 'outdated']),
  /** Draws a ring around the pin (the thread open in the sidebar). */
  active: z.boolean(),
  /** Where in the element to draw the pin (fractions of its box); absent: its top-left corner. */
  point: anchorPointSchema.optional(),
});
const pickSchema = z.object({ ...base, type: z.literal('pick'), on: z.boolean() });
const pinsSchema = z.object({ ...base, type: z.literal('pins'), pins: z.array(pinSchema).max(MAX_PINS) });
const focusPinSchema = z.object({ ...base, type: z.literal('focus-pin'), id: pinId });

export const appMessageSchema = z.union([
  renderSchema,
  patchSchema,
  scrollToSchema,
  themeSchema,
  pickSchema,
  pinsSchema,
  focusPinSchema,
]);

/**
 * Apply this page source. `rev` is a per-frame sequence number chosen by the
 * app and must increase: the frame drops any render whose rev is not greater
 * than the last one it saw, and applies only the newest of a burst.
 */
export type AppRenderMessage = z.infer<typeof renderSchema>;
/**
 * The Y.Text delta from revision `base` to `rev` (see limits.ts): the frame
 * applies it to the source it holds and re-renders only what changed, or
 * answers `resync`. Bounded: at most MAX_PATCH_OPS operations and
 * MAX_PATCH_INSERT_LENGTH inserted code units.
 */
export type AppPatchMessage = z.infer<typeof patchSchema>;
/** Scroll the frame to `y` (CSS px from the top), e.g. to follow a reviewer. */
export type AppScrollToMessage = z.infer<typeof scrollToSchema>;
/** The app's colour scheme; the frame may ignore it. */
export type AppThemeMessage = z.infer<typeof themeSchema>;
/**
 * One comment pin. The frame finds its element by `ordinal` when it is a
 * number (an `ok` pin whose element lacks the quote, as when the page's
 * scripts added elements of that tag before it, takes the nearest one that
 * has it; with fewer such elements it falls back to the selector), else by
 * `selector`, accepted only if the element's text contains the first 60
 * characters of `quote` (whitespace-collapsed). `outdated` pins are not
 * drawn. Text pins also highlight the first occurrence of `quote` inside the
 * element.
 */
export type FramePin = z.infer<typeof pinSchema>;
/**
 * Pick mode on or off. While on, the frame outlines the element under the
 * pointer (or the keyboard highlight: arrows move, Enter picks, Escape
 * cancels) and swallows clicks. It ends after a pick (`picked`) or Escape
 * (`pick-cancelled`). The frame must have focus for the keyboard to reach it.
 */
export type AppPickMessage = z.infer<typeof pickSchema>;
/** Replaces the whole set of pins; the frame answers with `pins-placed`. */
export type AppPinsMessage = z.infer<typeof pinsSchema>;
/** Scrolls a pin's element to the middle of the viewport and flashes its outline. */
export type AppFocusPinMessage = z.infer<typeof focusPinSchema>;
export type AppMessage = z.infer<typeof appMessageSchema>;

/** The rules the frame applies by hand (lib/frame/protocol.ts), for tests and for any non-browser peer. */
export function parseAppMessage(data: unknown): AppMessage | null {
  return safely(appMessageSchema, data);
}

export function renderMessage(revision: number, html: string, sourceFormat: SourceFormat = 'html'): AppRenderMessage {
  return { loupe: PROTOCOL_VERSION, type: 'render', rev: revision, format: sourceFormat, html };
}

export function patchMessage(
  revision: number,
  baseRevision: number,
  ops: DeltaOp[],
  length: number,
  sourceFormat: SourceFormat = 'html',
): AppPatchMessage {
  return { loupe: PROTOCOL_VERSION, type: 'patch', rev: revision, base: baseRevision, format: sourceFormat, ops, length };
}

export function scrollToMessage(y: number): AppScrollToMessage {
  return { loupe: PROTOCOL_VERSION, type: 'scrollTo', y };
}

export function themeMessage(scheme: AppThemeMessage['scheme']): AppThemeMessage {
  return { loupe: PROTOCOL_VERSION, type: 'theme', scheme };
}

export function pickMessage(on: boolean): AppPickMessage {
  return { loupe: PROTOCOL_VERSION, type: 'pick', on };
}

export function pinsMessage(pins: readonly FramePin[]): AppPinsMessage {
  return { loupe: PROTOCOL_VERSION, type: 'pins', pins: [...pins] };
}

export function focusPinMessage(id: string): AppFocusPinMessage {
  return { loupe: PROTOCOL_VERSION, type: 'focus-pin', id };
}

/**
 * Posts to the frame. The target origin must be '*': the frame's origin is
 * opaque and cannot be named. That is safe because the embedder's frame-src
 * keeps the frame on the sandbox origin, so only sandbox documents receive it.
 */
export function postToFrame(frameWindow: Window, message: AppMessage): void {
  frameWindow.postMessage(message, '*');
}

// ---- the schemas and the shared shapes agree (compile-time) ----

/** Mutually assignable (zod's inferred types are mapped types, so not identical to the letter). */
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type WithoutLoupe<T> = T extends unknown ? Omit<T, 'loupe'> : never;
/** Each zod schema infers exactly the shape lib/sandbox/limits.ts declares (a type error here means they drifted). */
export type SchemasMatchShapes = [
  Assert<Equal<FramePin, PinShape>>,
  Assert<Equal<WithoutLoupe<AppMessage>, WithoutLoupe<AppMessageShape>>>,
  Assert<Equal<WithoutLoupe<FrameMessage>, FrameOutgoing>>,
];

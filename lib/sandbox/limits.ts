/**
 * Limits and shapes of the app ↔ frame protocol, shared by the app side
 * (lib/sandbox/bridge.ts, which builds its zod schemas from these) and the
 * frame program (lib/frame/, which checks app messages by hand because it
 * cannot carry zod). No zod and no Node imports here: the frame bundle
 * includes this file.
 *
 * String limits count Unicode code points, as zod does.
 */

export const PROTOCOL_VERSION = 1;
export const MAX_HREF_LENGTH = 2048;
export const MAX_ERROR_MESSAGE_LENGTH = 500;
/** UTF-16 code units; the store caps a page at 16 MiB, so this is never the binding limit. */
export const MAX_RENDER_HTML_LENGTH = 16 * 1024 * 1024;
/** No real page is taller than this (Chromium caps layout at ~33M px). */
export const MAX_PIXELS = 1e9;
/** The schemes a link may have for the app to open it in a new tab. */
export const LINK_PROTOCOL_LIST: readonly string[] = ['http:', 'https:', 'mailto:'];

// ---- review limits ----

/** Most pins one `pins` message (and so one `pins-placed`) may carry. */
export const MAX_PINS = 2000;
export const MAX_PIN_ID_LENGTH = 100;
/** A pin shows a short label, such as a thread number. */
export const MAX_PIN_LABEL_LENGTH = 4;
export const MAX_TAG_LENGTH = 100;
export const MAX_SELECTOR_LENGTH = 1000;
export const MAX_QUOTE_LENGTH = 500;
/** Text kept before and after a quote (`prefix` / `suffix`). */
export const MAX_CONTEXT_LENGTH = 64;
/** How much of a pin's quote the frame checks a selector-found element against. */
export const QUOTE_CHECK_LENGTH = 60;
/**
 * Bound on an element's index among its tag. A 16 MiB page holds well under
 * ten million elements; scripts could make more, but nobody picks those.
 */
export const MAX_ORDINAL = 100_000_000;

/**
 * A lower-case tag name as the HTML tokenizer produces it: an ASCII letter,
 * then anything but whitespace, `/`, `>` and upper case. (SVG's camelCase
 * names such as `foreignObject` are never picked: the frame climbs to the
 * nearest ancestor with a lower-case name.)
 */
export const TAG_NAME_PATTERN = /^[a-z][^\s/>A-Z]*$/;
/** `#rgb`, `#rgba`, `#rrggbb` or `#rrggbbaa`. */
export const HEX_COLOR_PATTERN = /^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;

// ---- message shapes (bridge.ts checks that its zod schemas infer these) ----

/** A rectangle in the frame's viewport coordinates (CSS px). */
export interface FrameRectShape {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point inside an element's box, as fractions of its width and height, each in [0, 1] (an anchor's `point`). */
export interface AnchorPointShape {
  x: number;
  y: number;
}
/** Longest `name` of a pick ("chart in Impact"); REVIEW_LIMITS.nameChars. */
export const MAX_PICK_NAME_LENGTH = 200;

interface TargetShapeBase {
  /** Lower-case tag name of the element (for text: the element holding the whole selection). */
  tag: string;
  /** Index of the element in `document.getElementsByTagName(tag)`. */
  ordinal: number;
  /** `#id` when that id is unique, else a `tag:nth-of-type(n)` path from `body`. */
  selector: string;
  /** Where in the element's box the reviewer clicked (a keyboard pick: the centre). */
  point?: AnchorPointShape;
  /** What was picked, in words (lib/frame/overlay/describe.ts). */
  name?: string;
}
export interface ElementTargetShape extends TargetShapeBase {
  kind: 'element';
  quote: string;
  prefix: '';
  suffix: '';
}
export interface TextTargetShape extends TargetShapeBase {
  kind: 'text';
  quote: string;
  prefix: string;
  suffix: string;
}
export type PickTargetShape = ElementTargetShape | TextTargetShape;

export interface PinPlacementShape {
  id: string;
  found: boolean;
  /** Document x of the pin's left edge; null when it is not drawn. */
  x: number | null;
  y: number | null;
}

/** Everything the frame posts, before it stamps `loupe: 1`. */
export type FrameOutgoing =
  | { type: 'ready'; delta?: boolean }
  | { type: 'resync'; have: number }
  | { type: 'rendered'; rev: number; scrollY: number; scrollHeight: number; viewportHeight: number }
  | { type: 'scroll'; scrollY: number; scrollHeight: number; viewportHeight: number }
  | { type: 'open-link'; href: string }
  | { type: 'error'; message: string }
  | { type: 'picked'; target: PickTargetShape; rect: FrameRectShape }
  /** `target` and `rect` are both set or both null. */
  | { type: 'selection'; target: TextTargetShape | null; rect: FrameRectShape | null }
  | { type: 'pick-cancelled' }
  | { type: 'pin-click'; id: string }
  | { type: 'pins-placed'; placed: PinPlacementShape[] };

export type ColorScheme = 'light' | 'dark';
export type PinKind = 'element' | 'text';
export type PinState = 'ok' | 'changed' | 'outdated';

/** One comment pin as the app sends it (see FramePin in bridge.ts). */
export interface PinShape {
  id: string;
  kind: PinKind;
  tag: string;
  ordinal: number | null;
  selector: string;
  quote: string;
  label: string;
  color: string;
  state: PinState;
  active: boolean;
  /** Where in the element to draw the pin; absent: its top-right corner. */
  point?: AnchorPointShape;
}

/** Everything the app sends the frame. */
export type AppMessageShape =
  | RenderMessageShape
  | PatchMessageShape
  | { loupe: 1; type: 'scrollTo'; y: number }
  | { loupe: 1; type: 'theme'; scheme: ColorScheme }
  | { loupe: 1; type: 'pick'; on: boolean }
  | { loupe: 1; type: 'pins'; pins: PinShape[] }
  | { loupe: 1; type: 'focus-pin'; id: string };

// ---- the delta protocol (live updates at the cost of the change) ----

/**
 * The source formats a frame can render. A `render` or `patch` names its
 * format; the frame keeps one source-format implementation per name (HTML
 * today; Markdown plugs in by adding a name here and an implementation in
 * the frame).
 */
export const SOURCE_FORMATS = ['html'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/** The longest page source, in UTF-16 code units (the same bound as a full render's html). */
export const MAX_SOURCE_LENGTH = MAX_RENDER_HTML_LENGTH;
/**
 * Most operations one `patch` may carry. A burst that composes to more is sent
 * as a full `render` instead: past this, re-parsing the page is no dearer.
 */
export const MAX_PATCH_OPS = 4096;
/** Most code units a `patch` may insert, summed over its operations; beyond it the app sends a full `render`. */
export const MAX_PATCH_INSERT_LENGTH = 1024 * 1024;

/** Keep the next `n` code units. */
export interface RetainOp {
  retain: number;
}
/** Insert `insert` here. */
export interface InsertOp {
  insert: string;
}
/** Remove the next `n` code units. */
export interface DeleteOp {
  delete: number;
}
/**
 * One operation of a text delta, as Y.Text reports it (`event.delta`), without
 * formatting attributes. Offsets are UTF-16 code units; a delta walks the old
 * source from its start, and the source after its last operation is kept.
 */
export type DeltaOp = RetainOp | InsertOp | DeleteOp;

/**
 * app → frame: the whole source of the page at revision `rev` (first load,
 * a version, a reload, the answer to `resync`, a change too big for a patch).
 * `format` absent means `html`.
 */
export interface RenderMessageShape {
  loupe: 1;
  type: 'render';
  rev: number;
  format?: SourceFormat;
  html: string;
}

/**
 * app → frame: the changes that turn the source at revision `base` into the
 * source at revision `rev` (`rev` > `base`), whose length is `length`. The frame
 * applies it only when it holds exactly revision `base` of that length after
 * applying; otherwise it drops it and posts `resync`.
 */
export interface PatchMessageShape {
  loupe: 1;
  type: 'patch';
  rev: number;
  base: number;
  format: SourceFormat;
  ops: DeltaOp[];
  length: number;
}

/**
 * frame → app: "I cannot apply your patches: send the whole source." `have`
 * is the revision the frame holds (-1 for none). The app answers with a full
 * `render` at its current revision.
 */
export interface ResyncMessageShape {
  loupe: 1;
  type: 'resync';
  have: number;
}

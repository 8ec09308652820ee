/**
 * Limits and message shapes shared by the app and the frame program.
 * Constants and types only: no zod, no Node or DOM imports, so both sides can
 * import it (the app validates with the zod schemas of bridge.ts, the frame by
 * hand, and a test checks they agree).
 */

// ---- the delta protocol (live updates at the cost of the change) ----

/**
 * The source formats a frame can render. A `render` or `patch` names its
 * format; the frame keeps one source-format implementation per name (HTML
 * today; Markdown plugs in by adding a name here and an implementation in
 * the frame).
 */
export const SOURCE_FORMATS = ['html'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/** UTF-16 code units; the store caps a page at 16 MiB, so this is never the binding limit. */
export const MAX_SOURCE_LENGTH = 16 * 1024 * 1024;
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

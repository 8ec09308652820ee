/*
 * The light tree a render builds from page source.
 */

export interface VAttr {
  ns: string | null;
  local: string;
  qname: string;
  value: string;
}

export type VKind = 1 | 3 | 8;

export interface VNode {
  kind: VKind;
  ns: string | null;
  /** Local name (elements); '' otherwise. */
  name: string;
  /** The `id` attribute (no namespace), '' when none. */
  id: string;
  /** Elements only; null for text and comments. */
  attrs: VAttr[] | null;
  /** Text and comment data; a script's source or a template's innerHTML for atomic elements. */
  text: string;
  /** Elements only; null for text and comments. */
  children: VNode[] | null;
  /** Never morphed (script, template): replaced whole when it changes. */
  atomic: boolean;
  /** Content hash of the whole subtree: equal hash = identical subtree (DIRTY_HASH: changed in place, unknown). */
  hash: number;
  /** The parsed node, only during the render that created the vnode. */
  src: Node | null;
  /** The node in the live document built for it. */
  live: Node | null;
  /** Computed on demand when pairing edited siblings. */
  sample: { head: string; tail: string } | null;
  shapeKey: string | null;
  /** Optional UTF-16 offsets of the node in the page source (filled by the incremental parser). */
  start?: number;
  end?: number;
}

/** A vnode known to be an element (attrs and children set). */
export type VElement = VNode & { kind: 1; attrs: VAttr[]; children: VNode[] };

export const newVnode = (kind: VKind, src: Node | null): VNode => ({
  kind,
  ns: null,
  name: '',
  id: '',
  attrs: null,
  text: '',
  children: null,
  atomic: false,
  hash: 0,
  src,
  live: null,
  sample: null,
  shapeKey: null,
});

export const isElement = (v: VNode): v is VElement => v.kind === 1;

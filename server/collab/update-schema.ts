import * as Y from 'yjs';
import { AppError } from '../../lib/errors';
import { MAX_PAGE_BYTES } from '../../lib/protocol/messages';
import type { RoomKind } from '../../lib/protocol/ids';
import { HTML_KEY, META_KEY } from '../../lib/artifact/doc-shape';

/**
 * What each room accepts from its clients, decided on the decoded structs of
 * an update before it is applied (so nothing of a refused update is applied,
 * stored or relayed), and the same rule read the other way: which items of a
 * stored document fall outside it (written before the rule existed) and are
 * deleted on load.
 *
 * - content: clients write `Y.Text('html')` and nothing else: text inserts
 *   (ContentString) and deletions of html items. No other root, no map entry
 *   (`meta` is the server's: title, kind, project, session, latestVersion), no
 *   embed, format, binary, JSON, sub-document or nested type.
 * - notes: what `@lexical/yjs` 0.52 (binding v1) writes under the root
 *   `XmlText` named `root`: text, embedded XmlText (elements), Y.Map (text and
 *   line-break nodes), XmlElement (decorators), and attributes or map entries
 *   holding small JSON values or those types; nesting at most
 *   MAX_NOTES_DEPTH types deep.
 * - review: written by the server only; clients write nothing.
 *
 * Yjs only encodes an item's parent when it has no left or right origin; the
 * rest inherit the parent (and map key) of their origin. So each item's
 * place is resolved through its parent or origin, against the document or
 * against earlier items of the same update, iteratively (a crafted chain may
 * be as long as the message allows).
 */

/** Keys of `Y.Map('meta')`, all written by the server (create-artifact, versions). */
export const SERVER_META_KEYS: ReadonlySet<string> = new Set(['title', 'kind', 'project', 'session', 'latestVersion']);
/** The root `XmlText` of the notes document (`@lexical/yjs`' default `rootName`). */
export const NOTES_ROOT = 'root';
/** Types nested in the notes root at most this deep (a real note: paragraph > text, or lists a few levels deep). */
export const MAX_NOTES_DEPTH = 32;
/** One JSON value in the notes (a node property such as `__format` or `__url`): at most this deep and long. */
const MAX_NOTES_VALUE_DEPTH = 4;
const MAX_NOTES_VALUE_BYTES = 64 * 1024;

/**
 * The whole encoded document a room may hold, in bytes. Content: the page
 * limit (16 MiB, the size of a page pushed over HTTP) plus 16 MiB for CRDT
 * metadata and deleted items. Notes: 2 MiB. Review: written by the server only.
 */
export const MAX_DOC_BYTES: Readonly<Record<RoomKind, number>> = {
  content: MAX_PAGE_BYTES + 16 * 1024 * 1024,
  notes: 2 * 1024 * 1024,
  review: Number.POSITIVE_INFINITY,
};

export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;
type Struct = DecodedUpdate['structs'][number];
/** Any shared type, as Yjs types the document's roots. */
type SharedType = Y.Doc['share'] extends Map<string, infer T> ? T : never;
type Content = Y.Item['content'];

type TypeKind = 'text' | 'map' | 'element' | 'other';

/** Where an item lands: its root, the kind and depth of its parent type, and its map key (null in a sequence). */
interface Place {
  root: string;
  parentKind: TypeKind;
  /** 0 when the parent is the root type itself. */
  parentDepth: number;
  sub: string | null;
}

/** An item whose place cannot be told: Yjs would drop it (its neighbour was garbage-collected) or hold it pending. */
type Unplaced = 'discarded' | 'unresolved';

function refuse(message: string): AppError {
  return new AppError('disallowed_update', message);
}

/**
 * Throws `disallowed_update` unless every struct and every deletion of the
 * update is one this room's clients may write. `doc` is the room's document
 * before the update.
 */
export function checkClientUpdate(kind: RoomKind, doc: Y.Doc, update: DecodedUpdate): void {
  if (kind === 'review') {
    if (update.structs.length > 0 || update.ds.clients.size > 0) throw refuse('The review layer is written by the server only.');
    return;
  }
  const places = new PlaceResolver(kind, doc, update.structs);
  if (!places.isContiguous()) throw refuse('The update skips ahead of what this room has (it would be held pending).');
  for (const struct of update.structs) {
    if (!(struct instanceof Y.Item)) continue; // GC carries no content and no place.
    checkContent(kind, struct);
    const place = places.of(struct);
    if (place === 'discarded') continue;
    if (place === 'unresolved') throw refuse('The update refers to items this room does not have.');
    checkPlace(kind, struct.content, place);
  }
  for (const [client, ranges] of update.ds.clients) {
    for (const range of ranges) checkDeletion(kind, doc, places, client, range.clock, range.len);
  }
}

function checkContent(kind: RoomKind, item: Y.Item): void {
  const content = item.content;
  if (content instanceof Y.ContentString || content instanceof Y.ContentDeleted) return;
  if (kind === 'notes') {
    if (content instanceof Y.ContentType && isNotesType(content.type)) return;
    if (content instanceof Y.ContentAny && content.arr.every(isSmallNotesValue)) return;
  }
  throw refuse(`This room does not accept ${describeContent(content)}.`);
}

function describeContent(content: Content): string {
  if (content instanceof Y.ContentBinary) return 'binary values';
  if (content instanceof Y.ContentEmbed) return 'embeds';
  if (content instanceof Y.ContentFormat) return 'formatting attributes';
  if (content instanceof Y.ContentDoc) return 'sub-documents';
  if (content instanceof Y.ContentType) return 'nested types of this kind';
  if (content instanceof Y.ContentJSON) return 'JSON values';
  if (content instanceof Y.ContentAny) return 'values of this shape';
  return 'this content';
}

function checkPlace(kind: RoomKind, content: Content, place: Place): void {
  if (kind === 'content') {
    if (place.root !== HTML_KEY || place.parentDepth !== 0 || place.sub !== null) {
      throw refuse(place.root === META_KEY ? 'The page metadata is written by the server only.' : 'Only the page text (html) may be written.');
    }
    return;
  }
  // notes
  if (place.root !== NOTES_ROOT) throw refuse(`The notes live under "${NOTES_ROOT}" only.`);
  if (content instanceof Y.ContentType && place.parentDepth + 1 > MAX_NOTES_DEPTH) {
    throw refuse(`The notes may nest at most ${MAX_NOTES_DEPTH} levels deep.`);
  }
  if (place.sub === null) {
    // A sequence position: text and embedded nodes inside an XmlText.
    if (place.parentKind !== 'text' || content instanceof Y.ContentAny) throw refuse('The notes hold text and nodes only inside text.');
  }
}

function checkDeletion(kind: RoomKind, doc: Y.Doc, places: PlaceResolver, client: number, clock: number, len: number): void {
  const end = clock + len;
  const known = Y.getState(doc.store, client);
  if (clock < known) {
    const structs = doc.store.clients.get(client) ?? [];
    for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i].id.clock < end; i++) {
      const struct = structs[i];
      // Deleting what is already deleted (every client's sync answer repeats the document's deletions) changes nothing.
      if (!(struct instanceof Y.Item) || struct.deleted) continue;
      const place = placeOfType(struct.parent as SharedType, struct.parentSub);
      if (place === null || !mayDeleteAt(kind, place)) throw refuse('The update deletes what this room’s clients may not change.');
    }
  }
  // Anything past what the document has must be in this update (its own items are checked above).
  if (end > known && !places.covers(client, Math.max(clock, known), end)) {
    throw refuse('The update deletes items this room does not have.');
  }
}

function mayDeleteAt(kind: RoomKind, place: Place): boolean {
  if (kind === 'content') return place.root === HTML_KEY && place.parentDepth === 0 && place.sub === null;
  return place.root === NOTES_ROOT;
}

/** The types `@lexical/yjs` makes: XmlText (elements), Y.Map (text and line breaks), XmlElement (decorators). */
function isNotesType(type: SharedType): boolean {
  const made = type.constructor;
  return made === Y.XmlText || made === Y.Map || made === Y.XmlElement;
}

function typeKind(type: SharedType): TypeKind {
  // XmlText extends Text: both hold text, embeds and attributes.
  if (type instanceof Y.Text) return 'text';
  if (type instanceof Y.Map) return 'map';
  if (type instanceof Y.XmlElement) return 'element';
  return 'other';
}

/** The place of a type in the document (root name, kind, depth), or null past any depth a room allows. */
function placeOfType(type: SharedType, sub: string | null): Place | null {
  let depth = 0;
  let current = type;
  while (current._item !== null) {
    if (++depth > MAX_NOTES_DEPTH) return null;
    current = current._item.parent as SharedType;
  }
  const root = Y.findRootTypeKey(current);
  // Root types the server never named itself are plain AbstractTypes: the notes root is an XmlText by contract.
  const kind = depth === 0 && (root === HTML_KEY || root === NOTES_ROOT) ? 'text' : typeKind(type);
  return { root, parentKind: kind, parentDepth: depth, sub };
}

/** Resolves the place of each item of one update, memoised, without recursion. */
class PlaceResolver {
  private readonly byClient = new Map<number, Struct[]>();
  private readonly memo = new Map<Struct, Place | Unplaced>();

  constructor(
    private readonly kind: RoomKind,
    private readonly doc: Y.Doc,
    structs: Struct[],
  ) {
    for (const struct of structs) {
      let list = this.byClient.get(struct.id.client);
      if (!list) this.byClient.set(struct.id.client, (list = []));
      list.push(struct);
    }
    for (const list of this.byClient.values()) list.sort((a, b) => a.id.clock - b.id.clock);
  }

  /**
   * Whether each client's structs continue from what the document has, with
   * no gap (a Skip, or a first clock past the document's state): Yjs would
   * keep such structs pending, in memory and storage, without ever showing them.
   */
  isContiguous(): boolean {
    for (const [client, list] of this.byClient) {
      let next = list[0].id.clock;
      if (next > Y.getState(this.doc.store, client)) return false;
      for (const struct of list) {
        if (struct instanceof Y.Skip || struct.id.clock > next) return false;
        next = Math.max(next, struct.id.clock + struct.length);
      }
    }
    return true;
  }

  /** Whether this update's own structs cover [from, to) of a client. */
  covers(client: number, from: number, to: number): boolean {
    const list = this.byClient.get(client);
    if (!list) return false;
    let at = from;
    for (const struct of list) {
      if (struct.id.clock > at) break;
      if (struct.id.clock + struct.length > at) at = struct.id.clock + struct.length;
      if (at >= to) return true;
    }
    return at >= to;
  }

  private inUpdate(id: Y.ID): Struct | undefined {
    const list = this.byClient.get(id.client);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const struct = list[mid];
      if (id.clock < struct.id.clock) hi = mid - 1;
      else if (id.clock >= struct.id.clock + struct.length) lo = mid + 1;
      else return struct;
    }
    return undefined;
  }

  private inDoc(id: Y.ID): Y.Item | Y.GC | undefined {
    if (id.clock >= Y.getState(this.doc.store, id.client)) return undefined;
    return Y.getItem(this.doc.store, id) as Y.Item | Y.GC;
  }

  of(item: Y.Item): Place | Unplaced {
    const stack: Y.Item[] = [item];
    const onStack = new Set<Struct>([item]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const step = this.step(top);
      if (step instanceof Y.Item) {
        // Depends on another item of this update that is not resolved yet; a cycle never resolves.
        if (onStack.has(step)) {
          this.memo.set(top, 'unresolved');
        } else {
          stack.push(step);
          onStack.add(step);
          continue;
        }
      } else {
        this.memo.set(top, step);
      }
      stack.pop();
      onStack.delete(top);
    }
    return this.memo.get(item) ?? 'unresolved';
  }

  /** The place of `item`, or the update item it depends on when that one is not resolved yet. */
  private step(item: Y.Item): Place | Unplaced | Y.Item {
    const memoised = this.memo.get(item);
    if (memoised !== undefined) return memoised;
    const parent = item.parent as unknown;
    if (typeof parent === 'string') {
      const kind: TypeKind = parent === HTML_KEY || parent === NOTES_ROOT ? 'text' : 'other';
      return { root: parent, parentKind: kind, parentDepth: 0, sub: item.parentSub };
    }
    if (parent instanceof Y.ID) return this.viaParent(parent, item.parentSub);
    const neighbour = item.origin ?? item.rightOrigin;
    if (neighbour === null) return 'unresolved';
    return this.viaNeighbour(neighbour);
  }

  private viaParent(id: Y.ID, sub: string | null): Place | Unplaced | Y.Item {
    const own = this.inUpdate(id);
    if (own !== undefined) {
      if (!(own instanceof Y.Item) || !(own.content instanceof Y.ContentType) || own.id.clock !== id.clock) return 'unresolved';
      const resolved = this.memo.get(own);
      if (resolved === undefined) return own;
      if (typeof resolved === 'string') return resolved;
      return { root: resolved.root, parentKind: typeKind(own.content.type), parentDepth: resolved.parentDepth + 1, sub };
    }
    const stored = this.inDoc(id);
    if (stored === undefined) return 'unresolved';
    if (stored instanceof Y.GC) return 'discarded';
    if (!(stored.content instanceof Y.ContentType)) return 'unresolved';
    return placeOfType(stored.content.type, sub) ?? this.tooDeep();
  }

  private viaNeighbour(id: Y.ID): Place | Unplaced | Y.Item {
    const own = this.inUpdate(id);
    if (own !== undefined) {
      if (own instanceof Y.GC) return 'discarded';
      if (!(own instanceof Y.Item)) return 'unresolved';
      return this.memo.get(own) ?? own;
    }
    const stored = this.inDoc(id);
    if (stored === undefined) return 'unresolved';
    if (stored instanceof Y.GC) return 'discarded';
    return placeOfType(stored.parent as SharedType, stored.parentSub) ?? this.tooDeep();
  }

  private tooDeep(): never {
    throw refuse(this.kind === 'notes' ? `The notes may nest at most ${MAX_NOTES_DEPTH} levels deep.` : 'Only the page text (html) may be written.');
  }
}

function isSmallNotesValue(value: unknown): boolean {
  return jsonWeight(value, 0) <= MAX_NOTES_VALUE_BYTES;
}

/** A rough byte size of a plain JSON value, or Infinity when it is too deep or not plain JSON. */
function jsonWeight(value: unknown, depth: number): number {
  if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'number') return 8;
  if (typeof value === 'string') return value.length * 3;
  if (depth >= MAX_NOTES_VALUE_DEPTH) return Number.POSITIVE_INFINITY;
  if (Array.isArray(value)) return value.reduce<number>((sum, entry) => sum + jsonWeight(entry, depth + 1), 8);
  if (Object.getPrototypeOf(value) === Object.prototype) {
    let sum = 8;
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) sum += key.length * 3 + jsonWeight(entry, depth + 1);
    return sum;
  }
  return Number.POSITIVE_INFINITY; // Uint8Array and anything else a plain JSON value is not
}

// ---- stored documents ---------------------------------------------------

/**
 * The items of a stored document that fall outside its room's rule (written
 * before the rule existed): the topmost of each, since deleting an item
 * deletes what is nested in it. Walks without recursion and never deeper
 * than a room allows.
 */
export function findStrayItems(kind: RoomKind, doc: Y.Doc): Y.Item[] {
  if (kind === 'review') return [];
  const strays: Y.Item[] = [];
  const isContent = kind === 'content';
  for (const [name, type] of doc.share) {
    const allowedRoot = isContent ? name === HTML_KEY || name === META_KEY : name === NOTES_ROOT;
    if (!allowedRoot) {
      for (const item of liveItems(type)) strays.push(item);
      continue;
    }
    if (isContent && name === META_KEY) {
      for (const item of liveItems(type)) {
        const isServerEntry = item.parentSub !== null && SERVER_META_KEYS.has(item.parentSub);
        const isPrimitive = item.content instanceof Y.ContentAny && item.content.arr.every((v) => v === null || typeof v !== 'object');
        if (!isServerEntry || !isPrimitive) strays.push(item);
      }
      continue;
    }
    if (isContent) {
      for (const item of liveItems(type)) {
        if (item.parentSub !== null || !(item.content instanceof Y.ContentString)) strays.push(item);
      }
      continue;
    }
    // The notes tree, level by level.
    const queue: Array<{ type: SharedType; depth: number; kind: TypeKind }> = [{ type, depth: 0, kind: 'text' }];
    while (queue.length > 0) {
      const level = queue.pop()!;
      for (const item of liveItems(level.type)) {
        const content = item.content;
        const isSequence = item.parentSub === null;
        let ok: boolean;
        if (content instanceof Y.ContentString) ok = isSequence && level.kind === 'text';
        else if (content instanceof Y.ContentAny) ok = !isSequence && content.arr.every(isSmallNotesValue);
        else if (content instanceof Y.ContentType) ok = isNotesType(content.type) && level.depth + 1 <= MAX_NOTES_DEPTH && (!isSequence || level.kind === 'text');
        else ok = false;
        if (!ok) strays.push(item);
        else if (content instanceof Y.ContentType) queue.push({ type: content.type, depth: level.depth + 1, kind: typeKind(content.type) });
      }
    }
  }
  return strays;
}

/** The items of a type not yet deleted: its sequence and the current value of each map key. */
function* liveItems(type: SharedType): Generator<Y.Item> {
  for (let item = type._start; item !== null; item = item.right) if (!item.deleted) yield item;
  for (const item of type._map.values()) if (!item.deleted) yield item;
}

/**
 * Deletes `strays` and everything nested in them in one transaction, then
 * garbage-collects them. Yjs deletes and collects a nested type top-down,
 * one stack frame per level, so a 20,000-deep map overflows the stack; here
 * both run bottom-up (children first), which keeps every call one level
 * deep. Returns the transaction's update (for live members) and how many
 * items were removed.
 */
export function deleteStrayItems(doc: Y.Doc, strays: Y.Item[], origin: unknown): { update: Uint8Array | null; removed: number } {
  // Post-order over everything nested in the strays, without recursion.
  const order: Y.Item[] = [];
  for (const stray of strays) {
    const stack: Array<{ item: Y.Item; expanded: boolean }> = [{ item: stray, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.expanded || !(top.item.content instanceof Y.ContentType)) {
        stack.pop();
        order.push(top.item);
        continue;
      }
      top.expanded = true;
      const type = top.item.content.type;
      for (let child = type._start; child !== null; child = child.right) stack.push({ item: child, expanded: false });
      for (const last of type._map.values()) {
        for (let child: Y.Item | null = last; child !== null; child = child.left) stack.push({ item: child, expanded: false });
      }
    }
  }
  let update: Uint8Array | null = null;
  const capture = (bytes: Uint8Array) => {
    update = bytes;
  };
  const gcFilter = doc.gcFilter;
  // Yjs' own collection would run top-down at the end of the transaction: held off, then done below.
  doc.gcFilter = () => false;
  doc.on('update', capture);
  let deleteSet: Y.Transaction['deleteSet'] | null = null;
  try {
    doc.transact((transaction) => {
      deleteSet = transaction.deleteSet;
      for (const item of order) if (!item.deleted) item.delete(transaction);
    }, origin);
  } finally {
    doc.off('update', capture);
    doc.gcFilter = gcFilter;
  }
  if (doc.gc) {
    for (const item of order) if (item.deleted && !(item.content instanceof Y.ContentDeleted)) item.gc(doc.store, false);
    // Merges the collected runs (collection itself already done, so the filter refuses everything).
    if (deleteSet) Y.tryGc(deleteSet, doc.store, () => false);
  }
  return { update, removed: order.length };
}

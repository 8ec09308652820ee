import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import type { StoredDoc } from '../../lib/store/types';

/**
 * A stored document's content as readers see it, hashed — independent of how
 * the updates are encoded, split or merged. Two stores can hold the same
 * document as different bytes (another compaction, updates merged
 * differently); what must not differ is what a room loads: every root type's
 * visible content (text runs joined, so how Yjs split items does not count;
 * formatting marks, embeds, JSON values, map entries, nested types with their
 * node names and attributes) and the state vector (so later edits merge the
 * same). One walk covers every document kind (page `html`/`meta`, review
 * maps, Lexical notes) and roots a newer version may add.
 */
export function docContentHash(stored: StoredDoc): { hash: string; bytes: number } {
  const doc = new Y.Doc();
  try {
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const update of stored.updates) Y.applyUpdate(doc, update);
    const roots = Array.from(doc.share.keys()).sort();
    const content = roots.map((name) => [name, typeContent(doc.share.get(name)!, 0)]);
    const stateVector = Array.from(Y.decodeStateVector(Y.encodeStateVector(doc)).entries()).sort((a, b) => a[0] - b[0]);
    const canonical = canonicalJson({ content, stateVector });
    return { hash: createHash('sha256').update(canonical).digest('hex'), bytes: canonical.length };
  } finally {
    doc.destroy();
  }
}

const MAX_DEPTH = 1000;

/** Any shared type, typed as Yjs types the roots in `doc.share` (nested types are the same classes). */
type AnyType = NonNullable<ReturnType<Y.Doc['share']['get']>>;

function typeContent(type: AnyType, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new Error(`a document nests types more than ${MAX_DEPTH} deep`);
  const sequence: unknown[] = [];
  let text = '';
  const flush = () => {
    if (text) sequence.push({ text });
    text = '';
  };
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted) continue;
    const content = item.content;
    if (content instanceof Y.ContentString) {
      text += content.str;
      continue;
    }
    flush();
    sequence.push(...contentValues(content, depth));
  }
  flush();
  const map: Array<[string, unknown]> = [];
  for (const key of Array.from(type._map.keys()).sort()) {
    const item = type._map.get(key)!;
    if (item.deleted) continue;
    const values = contentValues(item.content, depth);
    map.push([key, values[values.length - 1] ?? null]);
  }
  const name = type instanceof Y.XmlElement ? type.nodeName : null;
  return { kind: type.constructor.name, name, sequence, map };
}

function contentValues(content: Y.Item['content'], depth: number): unknown[] {
  if (content instanceof Y.ContentType) return [{ type: typeContent(content.type as AnyType, depth + 1) }];
  if (content instanceof Y.ContentAny) return content.arr.map((value) => ({ value }));
  if (content instanceof Y.ContentJSON) return content.arr.map((value) => ({ json: value }));
  if (content instanceof Y.ContentBinary) return [{ binary: Buffer.from(content.content).toString('base64') }];
  if (content instanceof Y.ContentEmbed) return [{ embed: content.embed }];
  if (content instanceof Y.ContentFormat) return [{ format: [content.key, content.value] }];
  if (content instanceof Y.ContentDoc) return [{ subdoc: content.doc?.guid ?? null }];
  if (content instanceof Y.ContentString) return [{ text: content.str }];
  if (content instanceof Y.ContentDeleted) return [];
  throw new Error(`an item holds content of an unknown kind (${(content as object).constructor.name})`);
}

/** JSON with object keys sorted, so equal values always serialise the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) => {
    if (entry && typeof entry === 'object' && !Array.isArray(entry) && !(entry instanceof Uint8Array)) {
      return Object.fromEntries(Object.entries(entry as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    if (entry instanceof Uint8Array) return Buffer.from(entry).toString('base64');
    return entry;
  });
}

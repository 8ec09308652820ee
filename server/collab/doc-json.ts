import * as Y from 'yjs';

/** How deep a stored document is rendered as JSON (exports); anything deeper is replaced by a marker. */
export const MAX_JSON_DEPTH = 64;
const TOO_DEEP = '[nested too deep to export]';

type SharedType = Y.Doc['share'] extends Map<string, infer T> ? T : never;

/**
 * A shared type (or a value held in one) as `toJSON` would give it, but never
 * more than MAX_JSON_DEPTH levels deep: Yjs' `toJSON` and `JSON.stringify`
 * recurse once per level, so a deeply nested stored value would overflow
 * the stack of whatever reads it. Maps and arrays are walked here with a
 * depth count; text and XML types are handed to Yjs only once a walk
 * without recursion has shown they are shallow enough.
 */
export function toBoundedJson(value: unknown, depth = 0): unknown {
  if (depth > MAX_JSON_DEPTH) return TOO_DEEP;
  if (value instanceof Y.AbstractType) {
    const type = value as SharedType;
    if (type instanceof Y.Map) {
      const out: Record<string, unknown> = {};
      for (const [key, entry] of type.entries()) out[key] = toBoundedJson(entry, depth + 1);
      return out;
    }
    if (type instanceof Y.Array) return type.toArray().map((entry) => toBoundedJson(entry, depth + 1));
    return nestingDepth(type, MAX_JSON_DEPTH - depth) === null ? TOO_DEEP : type.toJSON();
  }
  if (Array.isArray(value)) return value.map((entry) => toBoundedJson(entry, depth + 1));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) out[key] = toBoundedJson(entry, depth + 1);
    return out;
  }
  return value;
}

/** How many levels of types are nested in `type` (0: none), or null past `limit`. Walks without recursion. */
function nestingDepth(type: SharedType, limit: number): number | null {
  let deepest = 0;
  const stack: Array<{ type: SharedType; depth: number }> = [{ type, depth: 0 }];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current.depth > limit) return null;
    deepest = Math.max(deepest, current.depth);
    const visit = (item: Y.Item) => {
      if (!item.deleted && item.content instanceof Y.ContentType) stack.push({ type: item.content.type, depth: current.depth + 1 });
    };
    for (let item = current.type._start; item !== null; item = item.right) visit(item);
    for (const item of current.type._map.values()) visit(item);
  }
  return deepest;
}

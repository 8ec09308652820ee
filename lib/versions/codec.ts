import { gunzipSync, gzipSync } from 'node:zlib';
import { commonPrefixLength, commonSuffixLength, type DeltaOp } from '../artifact/text-delta';
import { diffTokens } from '../artifact/myers';

/**
 * How a version's page is stored: either a keyframe (the whole page,
 * gzipped) or a delta against the previous version (the minimal edit, as a
 * compact op list). A version costs about the bytes that changed; reading
 * one back is its nearest keyframe plus the deltas after it, composed into
 * one edit and applied once.
 */
export type StoredPage = { keyframe: true; data: Uint8Array } | { keyframe: false; data: Uint8Array };

/** A new keyframe once the deltas since the last one add up to this share of the page (bounds read cost). */
const KEYFRAME_DELTA_RATIO = 0.5;
/** …or to this many bytes, for small pages. */
const KEYFRAME_DELTA_MIN_BYTES = 64 * 1024;
/** …or after this many deltas, whatever their size. */
const KEYFRAME_MAX_CHAIN = 500;

export function encodeKeyframe(page: string): Uint8Array {
  return gzipSync(Buffer.from(page, 'utf8'), { level: 6 });
}

export function decodeKeyframe(data: Uint8Array): string {
  return gunzipSync(data).toString('utf8');
}

/** Ops as JSON: [n] retain, [-n] delete, "s" insert. Small for small edits. */
export function encodeDelta(ops: DeltaOp[]): Uint8Array {
  const compact = ops.map((op) => ('retain' in op ? op.retain : 'delete' in op ? -op.delete : op.insert));
  return Buffer.from(JSON.stringify(compact), 'utf8');
}

export function decodeDelta(data: Uint8Array): DeltaOp[] {
  const compact = JSON.parse(Buffer.from(data).toString('utf8')) as Array<number | string>;
  return compact.map((item) =>
    typeof item === 'string' ? { insert: item } : item >= 0 ? { retain: item } : { delete: -item },
  );
}

/** Applies a delta to a text (what is not covered by the ops is kept). */
export function applyDelta(text: string, ops: DeltaOp[]): string {
  const parts: string[] = [];
  let index = 0;
  for (const op of ops) {
    if ('retain' in op) {
      parts.push(text.slice(index, index + op.retain));
      index += op.retain;
    } else if ('delete' in op) index += op.delete;
    else parts.push(op.insert);
  }
  parts.push(text.slice(index));
  return parts.join('');
}

/**
 * One delta equal to applying `a` then `b` (Quill's compose for plain
 * text), so a chain of deltas costs one pass over the page, not one per
 * delta.
 */
export function composeDeltas(a: DeltaOp[], b: DeltaOp[]): DeltaOp[] {
  const out = new OpBuilder();
  const left = new OpCursor(a);
  const right = new OpCursor(b);
  while (left.hasNext() || right.hasNext()) {
    const r = right.peek();
    if (r && 'insert' in r) {
      out.push(right.take(Infinity));
      continue;
    }
    const l = left.peek();
    if (l && 'delete' in l) {
      out.push(left.take(Infinity));
      continue;
    }
    if (!r) {
      // Past b's end everything of a is kept as it is.
      out.push(left.take(Infinity));
      continue;
    }
    // r is retain or delete over a's output; a's output is l (retain/insert) or, past a's end, the untouched rest.
    const length = Math.min(right.remaining(), left.remaining());
    const rightOp = right.take(length);
    const leftOp = l ? left.take(length) : { retain: length };
    if ('retain' in rightOp) out.push(leftOp);
    else if ('retain' in leftOp) out.push({ delete: length });
    // an insert of a deleted by b: nothing
  }
  return out.finish();
}

const LINE_DIFF_MAX_EDITS = 4_000;
const LINE_DIFF_BUDGET_MS = 200;

/**
 * The edit from one version's page to the next, by whole lines: a few ops
 * per changed region (unlike the live diff, which goes down to characters to
 * keep CRDT items). Few ops keep deltas small and composing them cheap.
 */
export function computeLineDelta(before: string, after: string): DeltaOp[] {
  if (before === after) return [];
  // Block compares (text-delta's): an unchanged megabyte around the change costs a few dozen compares.
  let prefix = commonPrefixLength(before, after);
  // Back to a line start, so the middle is whole lines (lastIndexOf from -1 would look at index 0).
  if (prefix > 0) prefix = before.lastIndexOf('\n', prefix - 1) + 1;
  let suffix = commonSuffixLength(before, after, prefix);
  // Back to just after a newline, so the middle ends on a line end (only alignment: any split is correct).
  while (suffix > 0 && before.charCodeAt(before.length - suffix - 1) !== 10) suffix--;
  const a = splitLines(before.slice(prefix, before.length - suffix));
  const b = splitLines(after.slice(prefix, after.length - suffix));
  const ids = new Map<string, number>();
  const idOf = (line: string) => {
    let id = ids.get(line);
    if (id === undefined) ids.set(line, (id = ids.size));
    return id;
  };
  const script = diffTokens(Int32Array.from(a, idOf), Int32Array.from(b, idOf), LINE_DIFF_MAX_EDITS, Date.now() + LINE_DIFF_BUDGET_MS);
  const out = new OpBuilder();
  out.push({ retain: prefix });
  if (!script) {
    out.push({ delete: before.length - prefix - suffix });
    out.push({ insert: after.slice(prefix, after.length - suffix) });
    return out.finish();
  }
  let ai = 0;
  let bi = 0;
  for (const step of script) {
    if (step.op === 'equal') {
      out.push({ retain: lengthOf(a, ai, step.count) });
      ai += step.count;
      bi += step.count;
    } else if (step.op === 'delete') {
      out.push({ delete: lengthOf(a, ai, step.count) });
      ai += step.count;
    } else {
      out.push({ insert: b.slice(bi, bi + step.count).join('') });
      bi += step.count;
    }
  }
  return out.finish();
}

function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

function lengthOf(lines: string[], from: number, count: number): number {
  let total = 0;
  for (let i = from; i < from + count; i++) total += lines[i].length;
  return total;
}

/** Decides how to store the page of a new version, given the previous version's page and the chain since its keyframe. */
export function encodeVersion(
  previous: { page: string; deltaBytesSinceKeyframe: number; deltasSinceKeyframe: number } | null,
  page: string,
): { stored: StoredPage; changeBytes: number } {
  if (!previous) return { stored: { keyframe: true, data: encodeKeyframe(page) }, changeBytes: Buffer.byteLength(page) };
  const ops = computeLineDelta(previous.page, page);
  const delta = encodeDelta(ops);
  const changeBytes = ops.reduce((sum, op) => sum + ('insert' in op ? Buffer.byteLength(op.insert) : 'delete' in op ? op.delete : 0), 0);
  const budget = Math.max(KEYFRAME_DELTA_MIN_BYTES, Buffer.byteLength(page) * KEYFRAME_DELTA_RATIO);
  if (previous.deltaBytesSinceKeyframe + delta.byteLength > budget || previous.deltasSinceKeyframe + 1 >= KEYFRAME_MAX_CHAIN) {
    return { stored: { keyframe: true, data: encodeKeyframe(page) }, changeBytes };
  }
  return { stored: { keyframe: false, data: delta }, changeBytes };
}

/** Rebuilds a page from its keyframe and the deltas after it, in order. */
export function decodeVersion(keyframe: Uint8Array, deltas: Uint8Array[]): string {
  const base = decodeKeyframe(keyframe);
  if (deltas.length === 0) return base;
  // Pairwise, like a merge sort: each op is touched about log2(deltas) times, not once per delta.
  let level = deltas.map(decodeDelta);
  while (level.length > 1) {
    const next: DeltaOp[][] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? composeDeltas(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return applyDelta(base, level[0]);
}

type Op = DeltaOp;

function opLength(op: Op): number {
  return 'retain' in op ? op.retain : 'delete' in op ? op.delete : op.insert.length;
}

class OpCursor {
  private index = 0;
  private offset = 0;
  constructor(private readonly ops: Op[]) {}

  hasNext(): boolean {
    return this.index < this.ops.length;
  }

  peek(): Op | null {
    return this.ops[this.index] ?? null;
  }

  /** What is left of the current op. */
  remaining(): number {
    const op = this.ops[this.index];
    return op ? opLength(op) - this.offset : Infinity;
  }

  take(max: number): Op {
    const op = this.ops[this.index];
    const remaining = opLength(op) - this.offset;
    const length = Math.min(max, remaining);
    const start = this.offset;
    if (length === remaining) {
      this.index += 1;
      this.offset = 0;
    } else this.offset += length;
    if ('retain' in op) return { retain: length };
    if ('delete' in op) return { delete: length };
    return { insert: op.insert.slice(start, start + length) };
  }
}

class OpBuilder {
  private readonly ops: Op[] = [];

  push(op: Op): void {
    if (opLength(op) === 0) return;
    const last = this.ops[this.ops.length - 1];
    if (last && 'retain' in last && 'retain' in op) last.retain += op.retain;
    else if (last && 'delete' in last && 'delete' in op) last.delete += op.delete;
    else if (last && 'insert' in last && 'insert' in op) last.insert += op.insert;
    else this.ops.push({ ...op });
  }

  finish(): Op[] {
    const last = this.ops[this.ops.length - 1];
    if (last && 'retain' in last) this.ops.pop();
    return this.ops;
  }
}

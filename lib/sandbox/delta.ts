/**
 * Text deltas of the delta protocol (see limits.ts): conversion from Y.Text
 * events, composition of a burst into one delta, and application to a string.
 * Pure: no DOM, no Node, no yjs import; the app side and tests use it.
 */
import { MAX_PATCH_INSERT_LENGTH, MAX_PATCH_OPS, type DeltaOp } from './limits';

/** What Y.Text puts in `event.delta` (a Y.Text holding HTML has no embeds; formatting attributes are ignored). */
export type YDeltaEntry =
  | { insert?: unknown; retain?: number; delete?: number; attributes?: unknown }
  | Readonly<Record<string, unknown>>;

/**
 * A Y.Text event's delta as protocol operations, or null when it holds
 * something a source text cannot (an embed), so the caller falls back to a
 * full render. Formatting-only retains are kept as retains.
 */
export function fromYDelta(delta: readonly YDeltaEntry[]): DeltaOp[] | null {
  const ops: DeltaOp[] = [];
  for (const entry of delta) {
    const insert = entry.insert;
    const retain = entry.retain;
    const remove = entry.delete;
    if (insert !== undefined) {
      if (typeof insert !== 'string') return null;
      push(ops, { insert });
    } else if (typeof retain === 'number') {
      push(ops, { retain });
    } else if (typeof remove === 'number') {
      push(ops, { delete: remove });
    } else {
      return null;
    }
  }
  return normalize(ops);
}

/** Appends `op`, merging it into the last op of the same kind; empty ops are dropped. */
function push(ops: DeltaOp[], op: DeltaOp): void {
  const last = ops.length > 0 ? ops[ops.length - 1] : undefined;
  if ('insert' in op) {
    if (op.insert.length === 0) return;
    if (last !== undefined && 'insert' in last) {
      ops[ops.length - 1] = { insert: last.insert + op.insert };
      return;
    }
    // An insert next to a delete goes first: the canonical order, so equal deltas compare equal.
    if (last !== undefined && 'delete' in last) {
      const before = ops.length > 1 ? ops[ops.length - 2] : undefined;
      ops.pop();
      if (before !== undefined && 'insert' in before) ops[ops.length - 1] = { insert: before.insert + op.insert };
      else ops.push(op);
      ops.push(last);
      return;
    }
  } else if ('retain' in op) {
    if (op.retain <= 0) return;
    if (last !== undefined && 'retain' in last) {
      ops[ops.length - 1] = { retain: last.retain + op.retain };
      return;
    }
  } else {
    if (op.delete <= 0) return;
    if (last !== undefined && 'delete' in last) {
      ops[ops.length - 1] = { delete: last.delete + op.delete };
      return;
    }
  }
  ops.push(op);
}

/** Merges neighbours, drops empty ops and a trailing retain (the rest of the text is kept anyway). */
export function normalize(ops: readonly DeltaOp[]): DeltaOp[] {
  const out: DeltaOp[] = [];
  for (const op of ops) push(out, op);
  while (out.length > 0 && 'retain' in out[out.length - 1]) out.pop();
  return out;
}

/** Reads a delta's ops in pieces of a given length of its output (for `compose`). */
class OpReader {
  private index = 0;
  /** How much of the current op was already taken. */
  private offset = 0;

  constructor(private readonly ops: readonly DeltaOp[]) {}

  hasNext(): boolean {
    return this.index < this.ops.length;
  }

  peekKind(): 'insert' | 'retain' | 'delete' | 'end' {
    const op = this.ops[this.index];
    if (op === undefined) return 'end';
    return 'insert' in op ? 'insert' : 'retain' in op ? 'retain' : 'delete';
  }

  /** Takes at most `n` code units of the current op (Infinity: all of it). */
  take(n: number): DeltaOp {
    const op = this.ops[this.index];
    if (op === undefined) return { retain: n };
    const size = 'insert' in op ? op.insert.length : 'retain' in op ? op.retain : op.delete;
    const count = Math.min(n, size - this.offset);
    const from = this.offset;
    if (from + count >= size) {
      this.index += 1;
      this.offset = 0;
    } else {
      this.offset += count;
    }
    if ('insert' in op) return { insert: op.insert.slice(from, from + count) };
    if ('retain' in op) return { retain: count };
    return { delete: count };
  }
}

/**
 * The delta that does `first` then `second` (standard composition: `second`
 * walks the text `first` produced). Both deltas may omit their trailing
 * retain.
 */
export function compose(first: readonly DeltaOp[], second: readonly DeltaOp[]): DeltaOp[] {
  const a = new OpReader(first);
  const out: DeltaOp[] = [];
  for (const op of second) {
    if ('insert' in op) {
      push(out, op);
      continue;
    }
    let remaining = 'retain' in op ? op.retain : op.delete;
    while (remaining > 0) {
      // `first`'s deletions take no room in its output: they pass through.
      if (a.peekKind() === 'delete') {
        push(out, a.take(Infinity));
        continue;
      }
      const piece = a.take(remaining);
      const size = 'insert' in piece ? piece.insert.length : 'retain' in piece ? piece.retain : 0;
      remaining -= size;
      if ('retain' in op) push(out, piece);
      // Deleting what `first` inserted leaves nothing; deleting what it kept deletes it.
      else if ('retain' in piece) push(out, { delete: piece.retain });
    }
  }
  while (a.hasNext()) push(out, a.take(Infinity));
  return normalize(out);
}

/** The ops' effect on a string (for tests and small sources; the frame applies ops to its rope). */
export function applyToString(text: string, ops: readonly DeltaOp[]): string {
  let at = 0;
  const parts: string[] = [];
  for (const op of ops) {
    if ('retain' in op) {
      if (at + op.retain > text.length) throw new RangeError('delta retains past the end of the text');
      parts.push(text.slice(at, at + op.retain));
      at += op.retain;
    } else if ('delete' in op) {
      if (at + op.delete > text.length) throw new RangeError('delta deletes past the end of the text');
      at += op.delete;
    } else {
      parts.push(op.insert);
    }
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** The length of the text a delta produces from a text of `length` code units, or -1 if it does not fit. */
export function lengthAfter(length: number, ops: readonly DeltaOp[]): number {
  let at = 0;
  let result = length;
  for (const op of ops) {
    if ('retain' in op) at += op.retain;
    else if ('delete' in op) {
      at += op.delete;
      result -= op.delete;
    } else result += op.insert.length;
    if (at > length) return -1;
  }
  return result;
}

/** Whether a delta fits in one `patch` message (else the sender uses a full render). */
export function fitsInPatch(ops: readonly DeltaOp[]): boolean {
  if (ops.length > MAX_PATCH_OPS) return false;
  let inserted = 0;
  for (const op of ops) if ('insert' in op) inserted += op.insert.length;
  return inserted <= MAX_PATCH_INSERT_LENGTH;
}

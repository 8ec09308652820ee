/**
 * The page source as the frame keeps it between renders: a list of chunks of
 * a few KiB, not one string. Applying a delta touches only the chunks it
 * edits, and reading a range concatenates only the chunks it spans, so an
 * update costs the size of the change plus a walk over the chunk offsets
 * (about 2,000 numbers for 16 MiB), never a copy or a flattening of the whole
 * page (V8 flattens a string built by concatenation the first time it is
 * indexed, which is linear in its length).
 *
 * Pure: no DOM. Offsets are UTF-16 code units.
 */
import type { DeltaOp } from '../../sandbox/limits';

/** Chunks are split beyond twice this and merged with a neighbour below a quarter of it. */
const CHUNK = 8 * 1024;

export class Rope {
  private chunks: string[];
  /** starts[i] is the offset of chunks[i]; valid up to index `validUpTo` (exclusive). */
  private starts: number[];
  private validUpTo: number;
  private total: number;

  constructor(text = '') {
    this.chunks = [];
    for (let at = 0; at < text.length; at += CHUNK) this.chunks.push(text.slice(at, at + CHUNK));
    this.starts = new Array<number>(this.chunks.length);
    this.validUpTo = 0;
    this.total = text.length;
  }

  get length(): number {
    return this.total;
  }

  /** The whole text (a full render; linear, as a full render is anyway). */
  toString(): string {
    return this.chunks.join('');
  }

  /** The text in [from, to). */
  slice(from: number, to: number): string {
    from = Math.max(0, Math.min(from, this.total));
    to = Math.max(from, Math.min(to, this.total));
    if (from === to) return '';
    let index = this.chunkAt(from);
    const parts: string[] = [];
    let at = this.startOf(index);
    while (at < to) {
      const chunk = this.chunks[index];
      parts.push(chunk.slice(Math.max(0, from - at), Math.min(chunk.length, to - at)));
      at += chunk.length;
      index += 1;
    }
    return parts.length === 1 ? parts[0] : parts.join('');
  }

  /** The code unit at `offset` (NaN outside the text). */
  charCodeAt(offset: number): number {
    if (offset < 0 || offset >= this.total) return NaN;
    const index = this.chunkAt(offset);
    return this.chunks[index].charCodeAt(offset - this.startOf(index));
  }

  /**
   * Applies a delta. Returns false, changing nothing, when the delta does not
   * fit the text (it retains or deletes past the end) or would not produce
   * `expectedLength` code units.
   */
  apply(ops: readonly DeltaOp[], expectedLength: number, onEdit?: (from: number, removed: number, inserted: number) => void): boolean {
    let at = 0;
    let length = this.total;
    for (const op of ops) {
      if ('retain' in op) at += op.retain;
      else if ('delete' in op) {
        at += op.delete;
        length -= op.delete;
      } else length += op.insert.length;
      if (at > this.total) return false;
    }
    if (length !== expectedLength) return false;
    at = 0;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if ('retain' in op) {
        at += op.retain;
      } else if ('delete' in op) {
        // A delete followed by an insert is one replacement, reported as one edit.
        const next = ops[i + 1];
        const insert = next !== undefined && 'insert' in next ? next.insert : '';
        if (insert !== '') i += 1;
        this.replace(at, op.delete, insert);
        onEdit?.(at, op.delete, insert.length);
        at += insert.length;
      } else {
        const next = ops[i + 1];
        const removed = next !== undefined && 'delete' in next ? next.delete : 0;
        if (removed !== 0) i += 1;
        this.replace(at, removed, op.insert);
        onEdit?.(at, removed, op.insert.length);
        at += op.insert.length;
      }
    }
    return true;
  }

  /** Replaces `removed` code units at `from` with `insert`. */
  replace(from: number, removed: number, insert: string): void {
    if (from < 0 || removed < 0 || from + removed > this.total) throw new RangeError('Rope.replace: out of range');
    if (removed === 0 && insert === '') return;
    if (this.chunks.length === 0) {
      this.chunks.push('');
      this.starts = [0];
      this.validUpTo = 0;
    }
    // The chunks [first, last] hold the replaced range; at the very end, the last chunk.
    const first = from === this.total ? this.chunks.length - 1 : this.chunkAt(from);
    const firstStart = this.startOf(first);
    let last = first;
    let lastEnd = firstStart + this.chunks[first].length;
    while (lastEnd < from + removed) {
      last += 1;
      lastEnd += this.chunks[last].length;
    }
    const head = this.chunks[first].slice(0, from - firstStart);
    const tailChunk = this.chunks[last];
    const tail = tailChunk.slice(tailChunk.length - (lastEnd - (from + removed)));
    const merged = head + insert + tail;
    const pieces: string[] = [];
    if (merged.length <= 2 * CHUNK) pieces.push(merged);
    else for (let at = 0; at < merged.length; at += CHUNK) pieces.push(merged.slice(at, at + CHUNK));
    this.chunks.splice(first, last - first + 1, ...pieces);
    this.starts.length = this.chunks.length;
    this.total += insert.length - removed;
    this.validUpTo = Math.min(this.validUpTo, first);
    // Keep chunks from shrinking to nothing: merge a small one into its neighbour.
    const small = pieces.length === 1 && merged.length < CHUNK / 4 && this.chunks.length > 1;
    if (small) {
      const neighbour = first + 1 < this.chunks.length ? first + 1 : first - 1;
      const lo = Math.min(first, neighbour);
      this.chunks.splice(lo, 2, this.chunks[lo] + this.chunks[lo + 1]);
      this.starts.length = this.chunks.length;
      this.validUpTo = Math.min(this.validUpTo, lo);
    }
    if (this.total === 0) {
      this.chunks = [];
      this.starts = [];
      this.validUpTo = 0;
    }
  }

  private startOf(index: number): number {
    this.ensureStarts(index);
    return this.starts[index];
  }

  private ensureStarts(index: number): void {
    if (index < this.validUpTo) return;
    let at = this.validUpTo === 0 ? 0 : this.starts[this.validUpTo - 1] + this.chunks[this.validUpTo - 1].length;
    for (let i = this.validUpTo; i <= index && i < this.chunks.length; i++) {
      this.starts[i] = at;
      at += this.chunks[i].length;
    }
    this.validUpTo = Math.max(this.validUpTo, Math.min(index + 1, this.chunks.length));
  }

  /** The index of the chunk holding `offset` (0 <= offset < length). */
  private chunkAt(offset: number): number {
    this.ensureStarts(this.chunks.length - 1);
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

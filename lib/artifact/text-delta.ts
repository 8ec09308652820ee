import { diffTokens, type TokenOp } from './myers';

/** A Quill-style delta over the old text, the shape `Y.Text.applyDelta` takes. */
export type DeltaOp = { retain: number } | { delete: number } | { insert: string };

/** Middles up to this many UTF-16 units are diffed by code point directly. */
const FINE_DIFF_MAX_UNITS = 16_384;
const FINE_DIFF_MAX_EDITS = 2_000;
const LINE_DIFF_MAX_EDITS = 4_000;
/** Bound on CPU spent diffing one push; past it the diff gets coarser, never slower. */
const DIFF_BUDGET_MS = 150;

/**
 * An equality this short between two edits that together are at least as
 * long is folded into them (deleted and inserted again). A rewritten
 * paragraph otherwise keeps every coincidental letter, space and digit it
 * shares with the old one: hundreds of one-unit retains, each splitting the
 * CRDT's items, so the document (its size, its load and its every later
 * walk) grows by hundreds of items per write instead of a few. Short enough
 * that an untouched element (`<p></p>` is 7 units) is never folded.
 */
export const FOLD_EQUALITY_MAX_UNITS = 6;

/**
 * The edits that turn `before` into `after`, as small as practical: common
 * prefix and suffix first (compared block by block), then lines, then code
 * points inside changed lines, and only the middle between prefix and suffix
 * is tokenised, so the cost follows the change, not the page. Unchanged
 * regions are retained, so their CRDT items (and every comment anchor on
 * them) survive, except equalities of at most `foldUnits` units inside a
 * rewritten region (see FOLD_EQUALITY_MAX_UNITS). Never splits a surrogate pair.
 */
export function computeTextDelta(before: string, after: string, budgetMs = DIFF_BUDGET_MS, foldUnits = FOLD_EQUALITY_MAX_UNITS): DeltaOp[] {
  if (before === after) return [];
  const deadline = Date.now() + budgetMs;
  let prefix = commonPrefixLength(before, after);
  let suffix = commonSuffixLength(before, after, prefix);
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  const ops = new DeltaBuilder();
  ops.retain(prefix);
  diffMiddle(before.slice(prefix, before.length - suffix), after.slice(prefix, after.length - suffix), ops, deadline);
  return foldShortEqualities(ops.finish(), before, foldUnits);
}

type Segment = { equal: number } | { deleted: number; inserted: string[]; insertedLength: number };

/**
 * Folds short equalities between edits, in the manner of diff-match-patch's
 * cleanups (an equality no longer than the edits around it), but only up to
 * `maxUnits`. One pass with a stack: after a fold the merged edit is checked
 * against the equality before it again. The result applies to `before`
 * exactly as `ops` does.
 */
function foldShortEqualities(ops: DeltaOp[], before: string, maxUnits: number): DeltaOp[] {
  if (maxUnits <= 0) return ops;
  const segments: Segment[] = [];
  let at = 0;
  let folded = false;
  // Where segment i starts in `before` (set as each segment is pushed).
  const starts: number[] = [];
  const weight = (edit: Segment) => ('equal' in edit ? 0 : edit.deleted + edit.insertedLength);
  const pushEdit = (deleted: number, inserted: string) => {
    const last = segments[segments.length - 1];
    if (last && !('equal' in last)) {
      last.deleted += deleted;
      if (inserted) last.inserted.push(inserted);
      last.insertedLength += inserted.length;
    } else segments.push({ deleted, inserted: inserted ? [inserted] : [], insertedLength: inserted.length });
    // Edit, equality, edit at the top: fold while the equality is short and both edits outweigh it.
    while (segments.length >= 3) {
      const next = segments[segments.length - 1];
      const equal = segments[segments.length - 2];
      const previous = segments[segments.length - 3];
      if (!('equal' in equal) || 'equal' in previous || 'equal' in next) break;
      const length = equal.equal;
      if (length > maxUnits || length > weight(previous) + weight(next)) break;
      const equalAt = starts[segments.length - 2];
      previous.deleted += length + next.deleted;
      previous.inserted.push(before.slice(equalAt, equalAt + length), ...next.inserted);
      previous.insertedLength += length + next.insertedLength;
      segments.length -= 2;
      folded = true;
    }
  };
  for (const op of ops) {
    if ('retain' in op) {
      starts[segments.length] = at;
      segments.push({ equal: op.retain });
      at += op.retain;
    } else if ('delete' in op) {
      const last = segments[segments.length - 1];
      if (!last || 'equal' in last) starts[segments.length] = at;
      pushEdit(op.delete, '');
      at += op.delete;
    } else {
      const last = segments[segments.length - 1];
      if (!last || 'equal' in last) starts[segments.length] = at;
      pushEdit(0, op.insert);
    }
  }
  if (!folded) return ops;
  const out = new DeltaBuilder();
  for (const segment of segments) {
    if ('equal' in segment) out.retain(segment.equal);
    else {
      out.delete(segment.deleted);
      out.insert(segment.inserted.join(''));
    }
  }
  return out.finish();
}

function diffMiddle(a: string, b: string, out: DeltaBuilder, deadline: number): void {
  if (a.length === 0 || b.length === 0) {
    out.delete(a.length);
    out.insert(b);
    return;
  }
  if (a.length + b.length <= FINE_DIFF_MAX_UNITS) {
    diffFine(a, b, out, deadline);
    return;
  }
  const aLines = splitLines(a);
  const bLines = splitLines(b);
  const script = diffTokenStrings(aLines, bLines, LINE_DIFF_MAX_EDITS, deadline);
  if (!script) {
    out.delete(a.length);
    out.insert(b);
    return;
  }
  let ai = 0;
  let bi = 0;
  for (let i = 0; i < script.length; i++) {
    const step = script[i];
    if (step.op === 'equal') {
      out.retain(sumLengths(aLines, ai, ai + step.count));
      ai += step.count;
      bi += step.count;
      continue;
    }
    // Gather one hunk: consecutive deletes and inserts between equal runs.
    let deleted = 0;
    let inserted = 0;
    while (i < script.length && script[i].op !== 'equal') {
      if (script[i].op === 'delete') deleted += script[i].count;
      else inserted += script[i].count;
      i++;
    }
    i--;
    const hunkA = aLines.slice(ai, ai + deleted).join('');
    const hunkB = bLines.slice(bi, bi + inserted).join('');
    ai += deleted;
    bi += inserted;
    if (hunkA.length > 0 && hunkB.length > 0 && hunkA.length + hunkB.length <= FINE_DIFF_MAX_UNITS) {
      diffFine(hunkA, hunkB, out, deadline);
    } else {
      out.delete(hunkA.length);
      out.insert(hunkB);
    }
  }
}

/** Code-point diff; on a blown budget, word tokens; then a plain replace. */
function diffFine(a: string, b: string, out: DeltaBuilder, deadline: number): void {
  const aPoints = Array.from(a);
  const bPoints = Array.from(b);
  const byPoint = diffTokenStrings(aPoints, bPoints, FINE_DIFF_MAX_EDITS, deadline);
  if (byPoint) return emit(byPoint, aPoints, bPoints, out);
  const aWords = splitWords(a);
  const bWords = splitWords(b);
  const byWord = diffTokenStrings(aWords, bWords, FINE_DIFF_MAX_EDITS, deadline);
  if (byWord) return emit(byWord, aWords, bWords, out);
  out.delete(a.length);
  out.insert(b);
}

function emit(script: TokenOp[], aTokens: string[], bTokens: string[], out: DeltaBuilder): void {
  let ai = 0;
  let bi = 0;
  for (const step of script) {
    if (step.op === 'equal') {
      out.retain(sumLengths(aTokens, ai, ai + step.count));
      ai += step.count;
      bi += step.count;
    } else if (step.op === 'delete') {
      out.delete(sumLengths(aTokens, ai, ai + step.count));
      ai += step.count;
    } else {
      out.insert(bTokens.slice(bi, bi + step.count).join(''));
      bi += step.count;
    }
  }
}

function diffTokenStrings(a: string[], b: string[], maxEdits: number, deadline: number): TokenOp[] | null {
  const ids = new Map<string, number>();
  const idOf = (token: string) => {
    let id = ids.get(token);
    if (id === undefined) ids.set(token, (id = ids.size));
    return id;
  };
  return diffTokens(Int32Array.from(a, idOf), Int32Array.from(b, idOf), maxEdits, deadline);
}

function splitLines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

function splitWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+|\s+|[^\p{L}\p{N}_\s]/gu) ?? [];
}

function sumLengths(tokens: string[], from: number, to: number): number {
  let total = 0;
  for (let i = from; i < to; i++) total += tokens[i].length;
  return total;
}

/** Blocks compared by native string equality before the per-unit walk (prefix and suffix): the first size and bounds. */
const COMPARE_BLOCK_FIRST_UNITS = 4_096;
const COMPARE_BLOCK_MAX_UNITS = 1 << 20;
const COMPARE_BLOCK_MIN_UNITS = 32;

/**
 * The length of the common prefix. Blocks are compared by the engine's own
 * string equality (a memory compare of flat strings): the block doubles
 * while they match, then shrinks around the first difference, so an
 * unchanged megabyte costs a few dozen compares, not a million calls.
 */
export function commonPrefixLength(a: string, b: string): number {
  return commonRunLength(a.length, b.length, (at, length) => a.slice(at, at + length) === b.slice(at, at + length), (at) => a.charCodeAt(at) === b.charCodeAt(at));
}

/** The length of the common suffix that does not reach into the first `prefix` units of either string. */
export function commonSuffixLength(a: string, b: string, prefix: number): number {
  const aEnd = a.length;
  const bEnd = b.length;
  return commonRunLength(
    aEnd - prefix,
    bEnd - prefix,
    (at, length) => a.slice(aEnd - at - length, aEnd - at) === b.slice(bEnd - at - length, bEnd - at),
    (at) => a.charCodeAt(aEnd - 1 - at) === b.charCodeAt(bEnd - 1 - at),
  );
}

/** The common run from one end: `blockEqual(at, length)` compares a block at a distance `at` from that end, `unitEqual(at)` one unit. */
function commonRunLength(aLength: number, bLength: number, blockEqual: (at: number, length: number) => boolean, unitEqual: (at: number) => boolean): number {
  const max = Math.min(aLength, bLength);
  let at = 0;
  let block = COMPARE_BLOCK_FIRST_UNITS;
  let growing = true;
  while (block >= COMPARE_BLOCK_MIN_UNITS) {
    if (at + block <= max && blockEqual(at, block)) {
      at += block;
      if (growing && block < COMPARE_BLOCK_MAX_UNITS) block *= 2;
    } else {
      // The difference (or the end) lies within this block: look closer, never wider again.
      growing = false;
      block >>= 2;
    }
  }
  while (at < max && unitEqual(at)) at++;
  return at;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Merges adjacent ops of one kind and drops empty ones and a trailing retain. */
class DeltaBuilder {
  private readonly ops: DeltaOp[] = [];

  retain(count: number): void {
    if (count <= 0) return;
    const last = this.ops[this.ops.length - 1];
    if (last && 'retain' in last) last.retain += count;
    else this.ops.push({ retain: count });
  }

  delete(count: number): void {
    if (count <= 0) return;
    const last = this.ops[this.ops.length - 1];
    if (last && 'delete' in last) last.delete += count;
    else this.ops.push({ delete: count });
  }

  insert(text: string): void {
    if (text.length === 0) return;
    const last = this.ops[this.ops.length - 1];
    if (last && 'insert' in last) last.insert += text;
    else this.ops.push({ insert: text });
  }

  finish(): DeltaOp[] {
    const last = this.ops[this.ops.length - 1];
    if (last && 'retain' in last) this.ops.pop();
    return this.ops;
  }
}

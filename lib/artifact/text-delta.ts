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
 * The edits that turn `before` into `after`, as small as practical: common
 * prefix and suffix first, then lines, then code points inside changed
 * lines. Unchanged regions are retained, so their CRDT items (and every
 * comment anchor on them) survive. Never splits a surrogate pair.
 */
export function computeTextDelta(before: string, after: string, budgetMs = DIFF_BUDGET_MS): DeltaOp[] {
  if (before === after) return [];
  const deadline = Date.now() + budgetMs;
  let prefix = commonPrefixLength(before, after);
  let suffix = commonSuffixLength(before, after, prefix);
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  const ops = new DeltaBuilder();
  ops.retain(prefix);
  diffMiddle(before.slice(prefix, before.length - suffix), after.slice(prefix, after.length - suffix), ops, deadline);
  return ops.finish();
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

function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffixLength(a: string, b: string, prefix: number): number {
  const max = Math.min(a.length, b.length) - prefix;
  let i = 0;
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
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

import { diffTokens } from '../../../../lib/artifact/myers';

/**
 * A line diff of two page sources with word-level highlights inside changed
 * lines, for the compare page's "Source" view. Pure and isomorphic: it runs
 * in a Web Worker (diff.worker.ts) and, where workers are unavailable, on the
 * main thread. Myers is bounded in edits and time, so a rewritten 1 MiB page
 * costs a bounded amount of CPU and falls back to "everything replaced".
 */

/** Character ranges [start, end) of a line that differ from its counterpart. */
export type Ranges = number[];

export type DiffRow =
  | { t: 'eq'; a: number; b: number }
  | { t: 'del'; a: number; hl?: Ranges }
  | { t: 'ins'; b: number; hl?: Ranges };

export interface LineDiff {
  rows: DiffRow[];
  added: number;
  removed: number;
  /** The line alignment hit its bound: the changed middle is shown as one replacement. */
  coarse: boolean;
}

const LINE_MAX_D = 2000;
const LINE_DEADLINE_MS = 2500;
const WORD_MAX_D = 300;
const WORD_LINE_LIMIT = 10_000;
const WORD_RE = /[\p{L}\p{N}_]+|\s+|[^\p{L}\p{N}_\s]/gu;

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function toIds(items: readonly string[], table: Map<string, number>): Int32Array {
  const out = new Int32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    let id = table.get(items[i]);
    if (id === undefined) {
      id = table.size;
      table.set(items[i], id);
    }
    out[i] = id;
  }
  return out;
}

/** Which characters of `a` and `b` differ, word by word; whole lines when it cannot tell. */
export function wordRanges(a: string, b: string, deadline: number): { a: Ranges; b: Ranges } {
  const whole = { a: a.length ? [0, a.length] : [], b: b.length ? [0, b.length] : [] };
  if (a.length > WORD_LINE_LIMIT || b.length > WORD_LINE_LIMIT) return whole;
  const aTokens = a.match(WORD_RE) ?? [];
  const bTokens = b.match(WORD_RE) ?? [];
  const table = new Map<string, number>();
  const ops = diffTokens(toIds(aTokens, table), toIds(bTokens, table), WORD_MAX_D, deadline);
  if (!ops) return whole;
  const ra: Ranges = [];
  const rb: Ranges = [];
  let ia = 0;
  let ib = 0;
  let ca = 0;
  let cb = 0;
  const add = (ranges: Ranges, start: number, end: number) => {
    if (end <= start) return;
    if (ranges.length && ranges[ranges.length - 1] === start) ranges[ranges.length - 1] = end;
    else ranges.push(start, end);
  };
  for (const op of ops) {
    for (let k = 0; k < op.count; k++) {
      if (op.op === 'equal') {
        ca += aTokens[ia++].length;
        cb += bTokens[ib++].length;
      } else if (op.op === 'delete') {
        const len = aTokens[ia++].length;
        add(ra, ca, ca + len);
        ca += len;
      } else {
        const len = bTokens[ib++].length;
        add(rb, cb, cb + len);
        cb += len;
      }
    }
  }
  return { a: ra, b: rb };
}

export function diffLines(aText: string, bText: string): LineDiff {
  const a = splitLines(aText);
  const b = splitLines(bText);
  const rows: DiffRow[] = [];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  for (let i = 0; i < start; i++) rows.push({ t: 'eq', a: i, b: i });

  const table = new Map<string, number>();
  const deadline = Date.now() + LINE_DEADLINE_MS;
  const ops = diffTokens(toIds(a.slice(start, endA), table), toIds(b.slice(start, endB), table), LINE_MAX_D, deadline);
  const coarse = ops === null;
  const middle = ops ?? [
    { op: 'delete' as const, count: endA - start },
    { op: 'insert' as const, count: endB - start },
  ];

  let ia = start;
  let ib = start;
  let added = 0;
  let removed = 0;
  let dels: number[] = [];
  let inss: number[] = [];
  const wordDeadline = Date.now() + LINE_DEADLINE_MS;
  const flush = () => {
    const pairs = coarse ? 0 : Math.min(dels.length, inss.length);
    const delRows: DiffRow[] = dels.map((line) => ({ t: 'del', a: line }));
    const insRows: DiffRow[] = inss.map((line) => ({ t: 'ins', b: line }));
    for (let k = 0; k < pairs; k++) {
      const ranges = wordRanges(a[dels[k]], b[inss[k]], wordDeadline);
      (delRows[k] as Extract<DiffRow, { t: 'del' }>).hl = ranges.a;
      (insRows[k] as Extract<DiffRow, { t: 'ins' }>).hl = ranges.b;
    }
    for (const row of delRows) rows.push(row);
    for (const row of insRows) rows.push(row);
    removed += dels.length;
    added += inss.length;
    dels = [];
    inss = [];
  };
  for (const op of middle) {
    if (op.op === 'equal') {
      flush();
      for (let k = 0; k < op.count; k++) rows.push({ t: 'eq', a: ia++, b: ib++ });
    } else if (op.op === 'delete') {
      for (let k = 0; k < op.count; k++) dels.push(ia++);
    } else {
      for (let k = 0; k < op.count; k++) inss.push(ib++);
    }
  }
  flush();
  for (let i = 0; endA + i < a.length; i++) rows.push({ t: 'eq', a: endA + i, b: endB + i });
  return { rows, added, removed, coarse };
}

/** What the view draws: changed rows with a few lines of context; long unchanged runs fold into one "show N lines" row. */
export type DiffSegment =
  | { kind: 'rows'; from: number; to: number }
  | { kind: 'gap'; id: number; from: number; to: number };

export function foldUnchanged(rows: readonly DiffRow[], context = 3, minGap = 4): DiffSegment[] {
  const segments: DiffSegment[] = [];
  let i = 0;
  let gapId = 0;
  const pushRows = (from: number, to: number) => {
    if (to <= from) return;
    const last = segments[segments.length - 1];
    if (last && last.kind === 'rows' && last.to === from) last.to = to;
    else segments.push({ kind: 'rows', from, to });
  };
  while (i < rows.length) {
    if (rows[i].t !== 'eq') {
      let j = i;
      while (j < rows.length && rows[j].t !== 'eq') j++;
      pushRows(i, j);
      i = j;
      continue;
    }
    let j = i;
    while (j < rows.length && rows[j].t === 'eq') j++;
    const keepBefore = i === 0 ? 0 : context;
    const keepAfter = j === rows.length ? 0 : context;
    if (j - i - keepBefore - keepAfter >= minGap) {
      pushRows(i, i + keepBefore);
      segments.push({ kind: 'gap', id: gapId++, from: i + keepBefore, to: j - keepAfter });
      pushRows(j - keepAfter, j);
    } else {
      pushRows(i, j);
    }
    i = j;
  }
  return segments;
}

/**
 * Myers' O(ND) shortest edit script over token arrays, bounded by both a
 * maximum edit distance and a deadline, so a page that was rewritten from
 * top to bottom costs a bounded amount of CPU instead of freezing the server.
 * Returns null when the bound is hit; the caller then falls back to coarser
 * tokens or a plain replace.
 */
export type TokenOp = { op: 'equal' | 'delete' | 'insert'; count: number };

export function diffTokens(a: ArrayLike<number>, b: ArrayLike<number>, maxD: number, deadlineMs: number): TokenOp[] | null {
  const n = a.length;
  const m = b.length;
  const limit = Math.min(maxD, n + m);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    if ((d & 63) === 63 && Date.now() > deadlineMs) return null;
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])) x = v[offset + k + 1];
      else x = v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m, d);
    }
  }
  return null;
}

/** Walks the saved frontiers back from (n, m); trace[d] holds V[-d-1 .. d+1] before step d. */
function backtrack(trace: Int32Array[], n: number, m: number, dEnd: number): TokenOp[] {
  const reversed: TokenOp[] = [];
  const push = (op: TokenOp['op'], count: number) => {
    if (count === 0) return;
    const last = reversed[reversed.length - 1];
    if (last && last.op === op) last.count += count;
    else reversed.push({ op, count });
  };
  let x = n;
  let y = m;
  for (let d = dEnd; d > 0; d--) {
    const frontier = trace[d];
    const at = (k: number) => frontier[k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    // Diagonal run after the single edit of step d.
    const diag = prevK === k + 1 ? x - prevX : x - prevX - 1;
    push('equal', diag);
    x -= diag;
    y -= diag;
    if (prevK === k + 1) {
      push('insert', 1);
      y -= 1;
    } else {
      push('delete', 1);
      x -= 1;
    }
  }
  push('equal', x);
  return reversed.reverse();
}

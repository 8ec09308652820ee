'use client';

import { useMemo, useState, type ReactNode } from 'react';
import { foldUnchanged, splitLines, type DiffRow, type LineDiff, type Ranges } from './diff';
import styles from './compare-view.module.css';

/** Rows drawn before "Show the rest": a rewritten megabyte page must not make 40 000 table rows at once. */
const ROW_BUDGET = 2000;

interface SourceDiffProps {
  fromN: number | null;
  toN: number | null;
  fromText: string | null;
  toText: string | null;
  diff: LineDiff | null;
  pending: boolean;
  error: string | null;
}

function highlight(text: string, ranges: Ranges | undefined): ReactNode {
  if (!ranges || ranges.length === 0) return text || '\u200b';
  const out: ReactNode[] = [];
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i] > at) out.push(text.slice(at, ranges[i]));
    out.push(<mark key={i}>{text.slice(ranges[i], ranges[i + 1])}</mark>);
    at = ranges[i + 1];
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** The line diff: old and new line numbers, the change sign, the line with its changed words marked. */
export function SourceDiff({ fromN, toN, fromText, toText, diff, pending, error }: SourceDiffProps) {
  const a = useMemo(() => (fromText === null ? [] : splitLines(fromText)), [fromText]);
  const b = useMemo(() => (toText === null ? [] : splitLines(toText)), [toText]);
  const segments = useMemo(() => (diff ? foldUnchanged(diff.rows) : []), [diff]);
  const [opened, setOpened] = useState<ReadonlySet<number>>(new Set());
  const [budget, setBudget] = useState(ROW_BUDGET);

  if (error) {
    return (
      <div className={styles.notice}>
        <div className="alert" role="alert">
          Couldn’t compare these versions: {error}
        </div>
      </div>
    );
  }
  if (pending || !diff) {
    return (
      <p className={styles.computing} role="status">
        <span className="spinner" aria-hidden="true" /> Comparing v{fromN} and v{toN}…
      </p>
    );
  }

  const row = (r: DiffRow, index: number) => {
    if (r.t === 'eq') {
      return (
        <tr key={index} data-t="eq">
          <td className={styles.num}>{r.a + 1}</td>
          <td className={styles.num}>{r.b + 1}</td>
          <td className={styles.sign} aria-hidden="true" />
          <td className={styles.code}>{a[r.a] || '\u200b'}</td>
        </tr>
      );
    }
    const isDel = r.t === 'del';
    const text = isDel ? a[r.a] : b[r.b];
    return (
      <tr key={index} data-t={r.t} data-testid={isDel ? 'diff-del' : 'diff-ins'}>
        <td className={styles.num}>{isDel ? r.a + 1 : ''}</td>
        <td className={styles.num}>{isDel ? '' : r.b + 1}</td>
        <td className={styles.sign}>
          <span aria-hidden="true">{isDel ? '−' : '+'}</span>
          <span className="visually-hidden">{isDel ? 'removed' : 'added'}</span>
        </td>
        <td className={styles.code}>{highlight(text ?? '', r.hl)}</td>
      </tr>
    );
  };

  const body: ReactNode[] = [];
  let drawn = 0;
  let cut = false;
  for (const segment of segments) {
    if (drawn >= budget) {
      cut = true;
      break;
    }
    if (segment.kind === 'gap' && !opened.has(segment.id)) {
      const count = segment.to - segment.from;
      body.push(
        <tr key={`gap-${segment.id}`} className={styles.gap}>
          <td colSpan={4}>
            <button type="button" className={styles.gapButton} onClick={() => setOpened((prev) => new Set(prev).add(segment.id))}>
              Show {count} unchanged {count === 1 ? 'line' : 'lines'}
            </button>
          </td>
        </tr>,
      );
      drawn += 1;
      continue;
    }
    const end = Math.min(segment.to, segment.from + (budget - drawn));
    for (let i = segment.from; i < end; i++) body.push(row(diff.rows[i], i));
    drawn += end - segment.from;
    if (end < segment.to) cut = true;
  }

  const same = diff.added === 0 && diff.removed === 0;
  return (
    <div className={styles.source}>
      <p className={styles.stats} data-testid="diff-stats">
        {same ? (
          <>v{fromN} and v{toN} have the same source.</>
        ) : (
          <>
            <span className={styles.added}>+{diff.added}</span> <span className={styles.removed}>−{diff.removed}</span> lines, v{fromN} → v{toN}
            {diff.coarse ? <span className={styles.coarse}> · Too many changes to align line by line: shown as one replacement.</span> : null}
          </>
        )}
      </p>
      {same ? null : (
        <div className={styles.tableWrap}>
          <table className={styles.diff} aria-label={`Source changes from v${fromN} to v${toN}`}>
            <thead className="visually-hidden">
              <tr>
                <th scope="col">v{fromN} line</th>
                <th scope="col">v{toN} line</th>
                <th scope="col">Change</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>{body}</tbody>
          </table>
          {cut ? (
            <div className={styles.more}>
              <button type="button" className="button" onClick={() => setBudget((n) => n + ROW_BUDGET * 5)}>
                Show more of the comparison
              </button>
            </div>
          ) : null}
        </div>
      )}
    </div>
  );
}

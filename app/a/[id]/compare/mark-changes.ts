import { diffTokens } from '../../../../lib/artifact/myers';

/**
 * For the "Rendered" comparison: marks, in each version's source, the blocks
 * whose source changed, with `data-loupe-changed="changed|added|removed"`,
 * plus one generated <style> that outlines them. Purely presentational: no
 * script, no layout change (outlines take no space). Blocks are compared from
 * the body's top-level elements down a few levels, so an edit inside
 * `<main>` marks the paragraph, not the whole page.
 */

export const CHANGED_ATTRIBUTE = 'data-loupe-changed';
const MAX_DEPTH = 4;
const MAX_D = 400;
const DEADLINE_MS = 800;

const STYLE = `[${CHANGED_ATTRIBUTE}]{outline:2px solid #d97706!important;outline-offset:2px!important;scroll-margin:24px}
[${CHANGED_ATTRIBUTE}="added"]{outline-color:#16a34a!important}
[${CHANGED_ATTRIBUTE}="removed"]{outline-color:#dc2626!important}`;

export interface MarkedPair {
  from: string;
  to: string;
  /** How many blocks were marked on each side. */
  fromCount: number;
  toCount: number;
}

type Mark = 'changed' | 'added' | 'removed';

function elementChildren(element: Element): Element[] {
  return Array.from(element.children).filter((child) => child.tagName !== 'SCRIPT' && child.tagName !== 'STYLE' && child.tagName !== 'TEMPLATE');
}

function setMark(element: Element, mark: Mark): void {
  element.setAttribute(CHANGED_ATTRIBUTE, mark);
}

/** Marks differing elements between two sibling lists; returns how many were marked on each side. */
function markLevel(a: Element[], b: Element[], depth: number, deadline: number): [number, number] {
  const table = new Map<string, number>();
  const ids = (list: Element[]) => Int32Array.from(list, (el) => {
    const key = el.outerHTML;
    let id = table.get(key);
    if (id === undefined) {
      id = table.size;
      table.set(key, id);
    }
    return id;
  });
  const ops = diffTokens(ids(a), ids(b), MAX_D, deadline) ?? [
    { op: 'delete' as const, count: a.length },
    { op: 'insert' as const, count: b.length },
  ];
  let ia = 0;
  let ib = 0;
  let marked: [number, number] = [0, 0];
  let dels: Element[] = [];
  let inss: Element[] = [];
  const flush = () => {
    const pairs = Math.min(dels.length, inss.length);
    for (let k = 0; k < pairs; k++) {
      const x = dels[k];
      const y = inss[k];
      let inner: [number, number] = [0, 0];
      if (x.tagName === y.tagName && depth < MAX_DEPTH) {
        const xs = elementChildren(x);
        const ys = elementChildren(y);
        if (xs.length > 0 && ys.length > 0) inner = markLevel(xs, ys, depth + 1, deadline);
      }
      if (inner[0] + inner[1] === 0 || (x.tagName !== y.tagName)) {
        // The difference is this element's own text or attributes (or it became another element).
        setMark(x, 'changed');
        setMark(y, 'changed');
        inner = [inner[0] + 1, inner[1] + 1];
      }
      marked = [marked[0] + inner[0], marked[1] + inner[1]];
    }
    for (const x of dels.slice(pairs)) setMark(x, 'removed');
    for (const y of inss.slice(pairs)) setMark(y, 'added');
    marked = [marked[0] + dels.length - pairs, marked[1] + inss.length - pairs];
    dels = [];
    inss = [];
  };
  for (const op of ops) {
    if (op.op === 'equal') {
      flush();
      ia += op.count;
      ib += op.count;
    } else if (op.op === 'delete') {
      for (let k = 0; k < op.count; k++) dels.push(a[ia++]);
    } else {
      for (let k = 0; k < op.count; k++) inss.push(b[ib++]);
    }
  }
  flush();
  return marked;
}

function serialize(doc: Document): string {
  const doctype = doc.doctype ? `<!DOCTYPE ${doc.doctype.name}>\n` : '';
  return doctype + doc.documentElement.outerHTML;
}

function addStyle(doc: Document): void {
  const style = doc.createElement('style');
  style.setAttribute('data-loupe-diff', '');
  style.textContent = STYLE;
  (doc.head ?? doc.documentElement).appendChild(style);
}

/**
 * Parses both sources (DOMParser: inert, nothing runs), marks what changed
 * and serializes them again. When nothing in the bodies differs, the sources
 * are returned untouched.
 */
export function markChanges(from: string, to: string): MarkedPair {
  const parser = new DOMParser();
  const a = parser.parseFromString(from, 'text/html');
  const b = parser.parseFromString(to, 'text/html');
  const [fromCount, toCount] = markLevel(elementChildren(a.body), elementChildren(b.body), 0, Date.now() + DEADLINE_MS);
  if (fromCount + toCount === 0) return { from, to, fromCount, toCount };
  addStyle(a);
  addStyle(b);
  return { from: serialize(a), to: serialize(b), fromCount, toCount };
}

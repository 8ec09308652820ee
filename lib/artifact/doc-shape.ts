import * as Y from 'yjs';
import { computeTextDelta, type DeltaOp } from './text-delta';

/**
 * The content document of an artifact: `Y.Text('html')` holds the page
 * source, `Y.Map('meta')` title, kind, project and session.
 */
export const HTML_KEY = 'html';
export const META_KEY = 'meta';

export function htmlOf(doc: Y.Doc): Y.Text {
  return doc.getText(HTML_KEY);
}

export function metaOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(META_KEY);
}

/**
 * Replaces the page with `next` through the minimal delta, in one
 * transaction tagged with `origin`. Returns whether anything changed.
 */
export function replacePage(doc: Y.Doc, next: string, origin: unknown): boolean {
  const text = htmlOf(doc);
  const delta = computeTextDelta(text.toString(), next);
  if (delta.length === 0) return false;
  doc.transact(() => applyTextDelta(text, delta), origin);
  return true;
}

/**
 * Applies a delta op by op at its index, as `Y.Text.applyDelta` would, but
 * each op finds its place through the text's search markers instead of
 * walking every item from the start: a change deep in a long, much-edited
 * page costs about the change, not every item before it. (Content rooms
 * hold no formatting attributes: the update schema refuses them, so the
 * plain insert is the same as the delta's.) Call it inside a transaction.
 */
export function applyTextDelta(text: Y.Text, delta: readonly DeltaOp[]): void {
  let index = 0;
  for (const op of delta) {
    if ('retain' in op) index += op.retain;
    else if ('delete' in op) text.delete(index, op.delete);
    else {
      text.insert(index, op.insert);
      index += op.insert.length;
    }
  }
}

/** Appends to the end of the page (the streaming write path). */
export function appendToPage(doc: Y.Doc, chunk: string, origin: unknown): void {
  if (chunk.length === 0) return;
  const text = htmlOf(doc);
  doc.transact(() => text.insert(text.length, chunk), origin);
}

import * as Y from 'yjs';
import { computeTextDelta } from './text-delta';

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
  doc.transact(() => text.applyDelta(delta), origin);
  return true;
}

/** Appends to the end of the page (the streaming write path). */
export function appendToPage(doc: Y.Doc, chunk: string, origin: unknown): void {
  if (chunk.length === 0) return;
  const text = htmlOf(doc);
  doc.transact(() => text.insert(text.length, chunk), origin);
}

/// <reference lib="webworker" />
import { diffLines } from './diff';

/** Computes the compare page's line diff off the main thread: `{ id, a, b }` in, `{ id, diff }` out. */
self.onmessage = (event: MessageEvent<{ id: number; a: string; b: string }>) => {
  const { id, a, b } = event.data;
  try {
    self.postMessage({ id, diff: diffLines(a, b) });
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};

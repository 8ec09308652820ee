/*
 * Talking to the parent: posting messages, the rate-limited error report,
 * the throttled scroll report.
 */
import { MAX_ERROR_MESSAGE_LENGTH, PROTOCOL_VERSION } from '../sandbox/limits';
import type { FrameOutgoing } from '../sandbox/limits';
import {
  apply,
  dateNow,
  doc,
  documentElementOf,
  innerHeightOf,
  max,
  min,
  parentWin,
  scrollHeightOf,
  scrollYOf,
  setTimer,
  win,
} from './intrinsics';

const postMessageFn = parentWin.postMessage;

/** Posts to the parent (stamping `loupe: 1`). */
export const post = (message: FrameOutgoing): void => {
  const stamped = message as FrameOutgoing & { loupe: number };
  stamped.loupe = PROTOCOL_VERSION;
  try {
    // The parent cannot be named by origin from an opaque origin; '*' is
    // fine because only the embedder is ever window.parent.
    apply(postMessageFn, parentWin, [stamped, '*']);
  } catch {
    // Nothing useful to do if the parent is gone.
  }
};

export interface Metrics {
  scrollY: number;
  scrollHeight: number;
  viewportHeight: number;
}

export const metrics = (): Metrics => {
  const root = documentElementOf(doc);
  return {
    scrollY: max(0, scrollYOf(win)),
    scrollHeight: max(0, root ? scrollHeightOf(root) : 0),
    viewportHeight: max(0, innerHeightOf(win)),
  };
};

// Errors are rate-limited: a page that throws in a requestAnimationFrame
// loop must not flood the app. Token bucket, 10 deep, 2 per second.
let errorTokens = 10;
let errorRefilledAt = dateNow();
let errorsDropped = 0;
export const reportError = (text: unknown): void => {
  const t = dateNow();
  errorTokens = min(10, errorTokens + ((t - errorRefilledAt) / 1000) * 2);
  errorRefilledAt = t;
  if (errorTokens < 1) {
    errorsDropped++;
    return;
  }
  errorTokens -= 1;
  let message = String(text);
  if (errorsDropped > 0) {
    message = `(${errorsDropped} earlier errors not reported) ${message}`;
    errorsDropped = 0;
  }
  post({ type: 'error', message: message.slice(0, MAX_ERROR_MESSAGE_LENGTH) });
};

export const describe = (err: unknown): string => {
  try {
    const e = err as { message?: unknown } | null | undefined;
    return e && e.message ? String(e.message) : String(err);
  } catch {
    return 'unprintable error';
  }
};

// Scroll reports: leading and trailing edge, at most one per 100 ms.
let scrollReportedAt = 0;
let scrollTimer = 0;
export const reportScroll = (): void => {
  const elapsed = dateNow() - scrollReportedAt;
  if (elapsed >= 100) {
    scrollReportedAt = dateNow();
    const m = metrics();
    post({ type: 'scroll', scrollY: m.scrollY, scrollHeight: m.scrollHeight, viewportHeight: m.viewportHeight });
  } else if (!scrollTimer) {
    scrollTimer = setTimer(() => {
      scrollTimer = 0;
      reportScroll();
    }, 100 - elapsed);
  }
};

/** While the frame inserts an artifact script, its errors are collected here first (see scripts.ts). */
export const scriptErrors: { sink: string[] | null } = { sink: null };

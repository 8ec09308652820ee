/*
 * Text selection reports: what the reader selected, debounced, for the
 * app's "comment on this text" button.
 */
import type { FrameRectShape, TextTargetShape } from '../../sandbox/limits';
import { post } from '../channel';
import {
  clearTimer,
  createRange,
  doc,
  getSelection,
  localNameOf,
  rangeCollapsed,
  rangeCommonAncestor,
  rangeEndContainer,
  rangeEndOffset,
  rangeRect,
  rangeSetEnd,
  rangeSetStart,
  rangeStartContainer,
  rangeStartOffset,
  rangeText,
  selectNodeContents,
  selectionRangeAt,
  selectionRangeCount,
  setTimer,
} from '../intrinsics';
import { viewportRect } from './host';
import { namedElementFrom, ordinalOf, selectorFor, splitQuote } from './naming';
import { isPicking } from './pick';

const SELECTION_DEBOUNCE_MS = 150;
let selectionTimer = 0;
/** What the app was last told, as a comparable key; null when it has no selection from us. */
let reportedSelection: string | null = null;

const describeSelection = (): { target: TextTargetShape; rect: FrameRectShape } | null => {
  const selection = getSelection();
  if (selection === null || selectionRangeCount(selection) === 0) return null;
  const range = selectionRangeAt(selection, 0);
  if (rangeCollapsed(range)) return null;
  // The closest element that holds the whole selection.
  const el = namedElementFrom(rangeCommonAncestor(range));
  if (el === null) return null;
  const before = createRange(doc);
  selectNodeContents(before, el);
  rangeSetEnd(before, rangeStartContainer(range), rangeStartOffset(range));
  const after = createRange(doc);
  selectNodeContents(after, el);
  rangeSetStart(after, rangeEndContainer(range), rangeEndOffset(range));
  // Range text is the text nodes' data, as textContent reads it (not the
  // layout-dependent innerText that Selection.toString gives).
  const text = splitQuote(rangeText(before), rangeText(range), rangeText(after));
  if (text === null) return null;
  const tag = localNameOf(el);
  return {
    target: {
      kind: 'text',
      tag,
      ordinal: ordinalOf(el, tag),
      selector: selectorFor(el),
      quote: text.quote,
      prefix: text.prefix,
      suffix: text.suffix,
    },
    rect: viewportRect(rangeRect(range)),
  };
};

const reportSelection = (): void => {
  selectionTimer = 0;
  if (isPicking()) return;
  const found = describeSelection();
  if (found === null) {
    if (reportedSelection !== null) {
      reportedSelection = null;
      post({ type: 'selection', target: null, rect: null });
    }
    return;
  }
  const key = JSON.stringify(found);
  if (key === reportedSelection) return;
  reportedSelection = key;
  post({ type: 'selection', target: found.target, rect: found.rect });
};

const scheduleSelectionReport = (): void => {
  if (selectionTimer) clearTimer(selectionTimer);
  selectionTimer = setTimer(reportSelection, SELECTION_DEBOUNCE_MS);
};

export const onSelectionChange = (): void => {
  scheduleSelectionReport();
};

/** A selection's rect is in viewport coordinates: after a scroll, send it again. */
export const onPageScrolled = (): void => {
  if (reportedSelection !== null) scheduleSelectionReport();
};

import type { AnchorState, ThreadStatus, ThreadView } from '../../../../lib/review/types';

/**
 * The Threads tab's filters. Status picks one side (open is the default: the
 * work still to do); the three narrowing chips then intersect with it and
 * with each other, so "Resolved + Mine" reads as it says.
 */
export interface ThreadFilter {
  status: ThreadStatus;
  /** Only threads whose anchor no longer matches anything on the page. */
  outdated: boolean;
  /** Only threads the viewer started or wrote in. */
  mine: boolean;
  /** Only threads where someone @mentions the viewer. */
  mentionsMe: boolean;
}

export type NarrowingKey = 'outdated' | 'mine' | 'mentionsMe';

export const DEFAULT_FILTER: ThreadFilter = { status: 'open', outdated: false, mine: false, mentionsMe: false };

/** Anchor state per thread id; absent for whole-page threads and before the first computation. */
export type AnchorStates = ReadonlyMap<string, AnchorState>;

export function isOutdated(thread: ThreadView, states: AnchorStates): boolean {
  return thread.anchor !== null && states.get(thread.id) === 'outdated';
}

export function isMine(thread: ThreadView, viewerId: string | null): boolean {
  if (viewerId === null) return false;
  if (thread.author.kind === 'user' && thread.author.id === viewerId) return true;
  return thread.comments.some((comment) => !comment.deleted && comment.author.kind === 'user' && comment.author.id === viewerId);
}

export function mentionsViewer(thread: ThreadView, viewerId: string | null): boolean {
  if (viewerId === null) return false;
  return thread.comments.some((comment) => !comment.deleted && comment.mentions.includes(viewerId));
}

function passesNarrowing(thread: ThreadView, filter: ThreadFilter, states: AnchorStates, viewerId: string | null): boolean {
  if (filter.outdated && !isOutdated(thread, states)) return false;
  if (filter.mine && !isMine(thread, viewerId)) return false;
  if (filter.mentionsMe && !mentionsViewer(thread, viewerId)) return false;
  return true;
}

export function applyFilter(threads: readonly ThreadView[], filter: ThreadFilter, states: AnchorStates, viewerId: string | null): ThreadView[] {
  return threads.filter((thread) => thread.status === filter.status && passesNarrowing(thread, filter, states, viewerId));
}

export interface FilterCounts {
  open: number;
  resolved: number;
  /** For each narrowing chip: how many threads the list would show with that chip on (and the others as they are). */
  outdated: number;
  mine: number;
  mentionsMe: number;
}

const NARROWING_KEYS: readonly NarrowingKey[] = ['outdated', 'mine', 'mentionsMe'];

export function countFilters(threads: readonly ThreadView[], filter: ThreadFilter, states: AnchorStates, viewerId: string | null): FilterCounts {
  const counts: FilterCounts = { open: 0, resolved: 0, outdated: 0, mine: 0, mentionsMe: 0 };
  for (const thread of threads) {
    counts[thread.status] += 1;
    if (thread.status !== filter.status) continue;
    for (const key of NARROWING_KEYS) {
      if (passesNarrowing(thread, { ...filter, [key]: true }, states, viewerId)) counts[key] += 1;
    }
  }
  return counts;
}

export function isFiltered(filter: ThreadFilter): boolean {
  return filter.outdated || filter.mine || filter.mentionsMe;
}

/**
 * Each thread's number, 1-based in the order threads were started: the same
 * label on its pin in the page and its card in the panel, whatever the filter.
 */
export function threadNumbers(threads: readonly ThreadView[]): ReadonlyMap<string, number> {
  return new Map(threads.map((thread, index) => [thread.id, index + 1]));
}

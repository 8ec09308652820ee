import { describe, expect, it } from 'vitest';
import { applyFilter, countFilters, DEFAULT_FILTER, threadNumbers, type AnchorStates } from '../../app/a/[id]/_review/thread-filters';
import { buildPins, draftPin, PIN_COLORS } from '../../app/a/[id]/_review/use-pins';
import type { ResolvedAnchors } from '../../app/a/[id]/_review/use-anchor-states';
import type { AnchorView, CommentView, ReviewActor, ThreadView } from '../../lib/review/types';

const ME = 'user-me';
const ADA: ReviewActor = { kind: 'user', id: 'user-ada', name: 'Ada' };
const SELF: ReviewActor = { kind: 'user', id: ME, name: 'Me' };
const AGENT: ReviewActor = { kind: 'agent', id: 'token-1', name: 'Agent' };

function anchor(tag: string, ordinal: number, quote: string): AnchorView {
  return { kind: 'element', start: 'AQ==', end: 'Ag==', tag, ordinal, selector: `${tag}:nth-of-type(${ordinal + 1})`, quote, prefix: '', suffix: '', source: '', sourceHash: '' };
}

function comment(id: string, author: ReviewActor, mentions: string[] = [], deleted = false): CommentView {
  return {
    id,
    threadId: 't',
    author,
    body: { v: 1, blocks: [{ t: 'p', children: [{ t: 'text', text: id }] }] },
    text: id,
    createdAt: '2025-01-01T00:00:00.000Z',
    editedAt: null,
    edits: 0,
    deleted,
    reactions: [],
    mentions,
  };
}

function thread(id: string, overrides: Partial<ThreadView> & { comments: CommentView[] }): ThreadView {
  return {
    id,
    artifactId: 'a',
    anchor: null,
    version: 1,
    status: 'open',
    author: overrides.comments[0]!.author,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    resolved: null,
    addressed: null,
    ...overrides,
  };
}

const THREADS: ThreadView[] = [
  thread('mine-pinned', { anchor: anchor('h2', 0, 'Steps'), comments: [comment('c1', SELF)] }),
  thread('ada-mentions-me', { anchor: anchor('p', 3, 'Risks'), comments: [comment('c2', ADA, [ME])] }),
  thread('i-replied', { comments: [comment('c3', AGENT), comment('c4', SELF)] }),
  thread('resolved-ada', { status: 'resolved', anchor: anchor('li', 1, 'Backfill'), comments: [comment('c5', ADA)] }),
  // A deleted mention no longer counts.
  thread('deleted-mention', { comments: [comment('c6', ADA), comment('c7', ADA, [ME], true)] }),
];
const STATES: AnchorStates = new Map([
  ['mine-pinned', 'ok'],
  ['ada-mentions-me', 'outdated'],
  ['resolved-ada', 'changed'],
]);

const ids = (threads: ThreadView[]) => threads.map((t) => t.id);

describe('thread filters', () => {
  it('shows open threads by default', () => {
    expect(ids(applyFilter(THREADS, DEFAULT_FILTER, STATES, ME))).toEqual(['mine-pinned', 'ada-mentions-me', 'i-replied', 'deleted-mention']);
  });

  it('narrows by mine (started or replied), mentioning me and outdated, and the chips combine', () => {
    expect(ids(applyFilter(THREADS, { ...DEFAULT_FILTER, mine: true }, STATES, ME))).toEqual(['mine-pinned', 'i-replied']);
    expect(ids(applyFilter(THREADS, { ...DEFAULT_FILTER, mentionsMe: true }, STATES, ME))).toEqual(['ada-mentions-me']);
    expect(ids(applyFilter(THREADS, { ...DEFAULT_FILTER, outdated: true }, STATES, ME))).toEqual(['ada-mentions-me']);
    expect(ids(applyFilter(THREADS, { ...DEFAULT_FILTER, outdated: true, mine: true }, STATES, ME))).toEqual([]);
    expect(ids(applyFilter(THREADS, { ...DEFAULT_FILTER, status: 'resolved' }, STATES, ME))).toEqual(['resolved-ada']);
  });

  it('counts each status, and each chip as what turning it on would leave', () => {
    expect(countFilters(THREADS, DEFAULT_FILTER, STATES, ME)).toEqual({ open: 4, resolved: 1, outdated: 1, mine: 2, mentionsMe: 1 });
    // With "mine" on, "mentioning me" would leave nothing: it says 0.
    expect(countFilters(THREADS, { ...DEFAULT_FILTER, mine: true }, STATES, ME)).toEqual({ open: 4, resolved: 1, outdated: 0, mine: 2, mentionsMe: 0 });
  });

  it('numbers threads in the order they were started, whatever the filter', () => {
    expect(threadNumbers(THREADS).get('resolved-ada')).toBe(4);
  });
});

describe('pins', () => {
  const resolved: ResolvedAnchors = new Map([
    ['mine-pinned', { state: 'ok', tag: 'h2', ordinal: 0 }],
    ['ada-mentions-me', { state: 'outdated', tag: 'p', ordinal: 3 }],
    ['resolved-ada', { state: 'changed', tag: 'li', ordinal: 2 }],
  ]);

  it('pins pinned threads where their anchors resolve, with their numbers, colours and states', () => {
    const pins = buildPins(THREADS, resolved, threadNumbers(THREADS), 'resolved-ada');
    expect(pins.map((pin) => [pin.id, pin.label, pin.tag, pin.ordinal, pin.state, pin.color, pin.active])).toEqual([
      ['mine-pinned', '1', 'h2', 0, 'ok', PIN_COLORS.open, false],
      // Outdated pins are sent (the frame does not draw them) so the set mirrors the list.
      ['ada-mentions-me', '2', 'p', 3, 'outdated', PIN_COLORS.open, false],
      // Where the anchor is now (ordinal 2), not where it was written (1).
      ['resolved-ada', '4', 'li', 2, 'changed', PIN_COLORS.resolved, true],
    ]);
  });

  it('waits for an anchor to be resolved before pinning it', () => {
    expect(buildPins(THREADS, new Map(), threadNumbers(THREADS), null)).toEqual([]);
  });

  it('marks a comment being written, found by selector when it has no source position', () => {
    const selectorOnly = { ...anchor('p', 2, 'Rollback'), start: null, end: null };
    expect(draftPin(selectorOnly)).toMatchObject({ label: '+', active: true, state: 'ok', ordinal: null, selector: 'p:nth-of-type(3)' });
    expect(draftPin(anchor('p', 2, 'Rollback')).ordinal).toBe(2);
  });
});

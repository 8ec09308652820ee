import { describe, expect, it } from 'vitest';
import { describeReviewStatus, joinNames, reviewerStandings } from '../../app/a/[id]/_review/status-words';
import type { ReviewActor, ReviewSummary, ReviewView } from '../../lib/review/types';

const alice: ReviewActor = { kind: 'user', id: 'u-alice', name: 'Alice' };
const bob: ReviewActor = { kind: 'user', id: 'u-bob', name: 'Bob' };
const carol: ReviewActor = { kind: 'user', id: 'u-carol', name: 'Carol' };

function summary(overrides: Partial<ReviewSummary>): ReviewSummary {
  return {
    latestVersion: 4,
    requiredApprovals: 1,
    approvals: [],
    staleApprovals: [],
    changesRequested: [],
    state: 'pending',
    readyForHandoff: false,
    openThreads: 0,
    ...overrides,
  };
}

const at = (minute: number) => `2026-03-02T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('the review status chip', () => {
  it('says approved and ready for hand-off when enough current approvals stand', () => {
    const words = describeReviewStatus(
      summary({ approvals: [{ reviewer: alice, version: 4, at: at(1) }], state: 'approved', readyForHandoff: true }),
      true,
    );
    expect(words).toMatchObject({ tone: 'approved', label: 'Approved · ready for hand-off' });
    expect(words.hint).toContain('Alice approved v4');
  });

  it('puts a request for changes first, naming who asked, even beside approvals', () => {
    const words = describeReviewStatus(
      summary({
        approvals: [{ reviewer: alice, version: 4, at: at(1) }],
        changesRequested: [
          { reviewer: bob, version: 4, at: at(2) },
          { reviewer: carol, version: 3, at: at(0) },
        ],
        state: 'changes_requested',
      }),
      true,
    );
    expect(words).toMatchObject({ tone: 'changes', label: 'Changes requested · Bob +1', compact: 'Changes requested', short: 'Changes' });
    expect(words.hint).toBe('Bob and Carol requested changes. Hand-off waits until each of them approves.');
  });

  it('counts current approvals against the requirement', () => {
    const words = describeReviewStatus(summary({ requiredApprovals: 2, approvals: [{ reviewer: alice, version: 4, at: at(1) }] }), true);
    expect(words).toMatchObject({ tone: 'progress', label: '1 of 2 approvals' });
  });

  it('calls an approval of an earlier version stale and says why', () => {
    const words = describeReviewStatus(summary({ staleApprovals: [{ reviewer: alice, version: 3, at: at(1) }] }), true);
    expect(words).toMatchObject({ tone: 'stale', label: 'Approval stale', short: 'Stale', hint: 'Alice approved v3; the page changed since (now v4).' });
  });

  it('says there are no reviews yet, or that it awaits approval after comments only', () => {
    expect(describeReviewStatus(summary({}), false)).toMatchObject({ tone: 'none', label: 'No reviews yet' });
    expect(describeReviewStatus(summary({}), true)).toMatchObject({ tone: 'none', label: 'Awaiting approval' });
  });

  it('is ready without approvals when the organization requires none', () => {
    const words = describeReviewStatus(summary({ requiredApprovals: 0, state: 'approved', readyForHandoff: true }), false);
    expect(words).toMatchObject({ tone: 'approved', label: 'Ready for hand-off' });
  });
});

describe('reviewer standings', () => {
  it('lists each reviewer once, changes first, with what they said with that verdict', () => {
    const reviews: ReviewView[] = [
      { id: 'r1', artifactId: 'a', version: 3, verdict: 'approve', summary: 'Looks right.', reviewer: alice, createdAt: at(1) },
      { id: 'r2', artifactId: 'a', version: 4, verdict: 'comment', summary: 'One nit.', reviewer: alice, createdAt: at(2) },
      { id: 'r3', artifactId: 'a', version: 4, verdict: 'request_changes', summary: 'Smaller batches.', reviewer: bob, createdAt: at(3) },
    ];
    const standings = reviewerStandings(
      summary({ staleApprovals: [{ reviewer: alice, version: 3, at: at(1) }], changesRequested: [{ reviewer: bob, version: 4, at: at(3) }] }),
      reviews,
    );
    expect(standings.map((s) => [s.reviewer.name, s.kind, s.version, s.summary])).toEqual([
      ['Bob', 'changes', 4, 'Smaller batches.'],
      ['Alice', 'stale', 3, 'Looks right.'],
    ]);
  });

  it('joins names the way a sentence does', () => {
    expect(joinNames(['Alice'])).toBe('Alice');
    expect(joinNames(['Alice', 'Bob'])).toBe('Alice and Bob');
    expect(joinNames(['Alice', 'Bob', 'Carol'])).toBe('Alice, Bob and Carol');
  });
});

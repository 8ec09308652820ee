import type { ReviewActor, ReviewSummary, ReviewView, Verdict } from '../../../../lib/review/types';

/**
 * How an artifact's review state reads: the header chip's words, colour and
 * tooltip, and each reviewer's standing in the status dialog. Pure, so the
 * wording is tested without a browser (test/ui/review-status.test.ts).
 */

/** approved: green; changes: red; stale: amber; progress: some approvals, not enough; none: nothing counts yet. */
export type StatusTone = 'approved' | 'changes' | 'stale' | 'progress' | 'none';

export interface StatusWords {
  tone: StatusTone;
  /** The whole status: the dialog's heading line, and the chip's text on wide screens. */
  label: string;
  /** Without who or why, for a header with less room ("Approved", "Changes requested"). */
  compact: string;
  /** One or two words for narrow screens ("Ready", "Changes"). */
  short: string;
  /** A sentence or two for the tooltip and the dialog. */
  hint: string;
}

function words(tone: StatusTone, label: string, compact: string, short: string, hint: string): StatusWords {
  return { tone, label, compact, short, hint };
}

/** "Alice", "Alice and Bob", "Alice, Bob and Carol". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

type Standing = ReviewSummary['approvals'][number];

function approvedSentence(standings: readonly Standing[]): string {
  return standings.map((s) => `${s.reviewer.name} approved v${s.version}`).join('; ');
}

function requiredSentence(summary: ReviewSummary): string {
  return summary.requiredApprovals === 0
    ? 'No approvals are required for hand-off.'
    : `${plural(summary.requiredApprovals, 'approval', 'approvals')} of the latest version ${summary.requiredApprovals === 1 ? 'is' : 'are'} required for hand-off.`;
}

/**
 * The chip. Order matters: a standing request for changes blocks hand-off
 * whatever else is true, so it speaks first; then ready; then partial
 * approval; then approvals that went stale when the page changed.
 */
export function describeReviewStatus(summary: ReviewSummary, hasReviews: boolean): StatusWords {
  const { approvals, staleApprovals, changesRequested } = summary;
  if (changesRequested.length > 0) {
    const names = changesRequested.map((s) => s.reviewer.name);
    const who = names.length === 1 ? names[0] : `${names[0]} +${names.length - 1}`;
    const hint = `${joinNames(names)} requested changes. Hand-off waits until ${names.length === 1 ? 'they approve' : 'each of them approves'}.`;
    return words('changes', `Changes requested · ${who}`, 'Changes requested', 'Changes', hint);
  }
  if (summary.readyForHandoff) {
    if (approvals.length === 0) {
      return words('approved', 'Ready for hand-off', 'Ready', 'Ready', `No approvals are required, and no one requested changes on v${summary.latestVersion}.`);
    }
    return words('approved', 'Approved · ready for hand-off', 'Approved', 'Approved', `${approvedSentence(approvals)}. ${requiredSentence(summary)}`);
  }
  if (approvals.length > 0) {
    const stale = staleApprovals.length > 0 ? ` ${approvedSentence(staleApprovals)}; the page changed since.` : '';
    const count = `${approvals.length} of ${summary.requiredApprovals}`;
    return words('progress', `${count} approvals`, `${count} approvals`, count, `${approvedSentence(approvals)}.${stale} ${requiredSentence(summary)}`);
  }
  if (staleApprovals.length > 0) {
    const hint = `${approvedSentence(staleApprovals)}; the page changed since${summary.latestVersion ? ` (now v${summary.latestVersion})` : ''}.`;
    const label = staleApprovals.length === 1 ? 'Approval stale' : 'Approvals stale';
    return words('stale', label, label, 'Stale', hint);
  }
  const hint = summary.latestVersion === null ? 'The page has no version yet.' : requiredSentence(summary);
  return hasReviews ? words('none', 'Awaiting approval', 'Awaiting approval', 'Awaiting', hint) : words('none', 'No reviews yet', 'No reviews yet', 'No reviews', hint);
}

export type StandingKind = 'changes' | 'current' | 'stale';

export interface ReviewerStanding {
  kind: StandingKind;
  reviewer: ReviewActor;
  version: number;
  at: string;
  /** What they said with that verdict (may be empty). */
  summary: string;
}

const STANDING_VERDICT: Record<StandingKind, Verdict> = { changes: 'request_changes', current: 'approve', stale: 'approve' };

/**
 * Each reviewer once, by what counts for them now: requests for changes
 * first, then current approvals, then stale ones; newest first within each.
 */
export function reviewerStandings(summary: ReviewSummary, reviews: readonly ReviewView[]): ReviewerStanding[] {
  const said = (kind: StandingKind, standing: Standing): string => {
    const verdict = STANDING_VERDICT[kind];
    for (let i = reviews.length - 1; i >= 0; i--) {
      const review = reviews[i];
      if (review.reviewer.id === standing.reviewer.id && review.reviewer.kind === standing.reviewer.kind && review.verdict === verdict && review.version === standing.version) {
        return review.summary;
      }
    }
    return '';
  };
  const group = (kind: StandingKind, list: readonly Standing[]) =>
    [...list].sort((a, b) => b.at.localeCompare(a.at)).map((s) => ({ kind, reviewer: s.reviewer, version: s.version, at: s.at, summary: said(kind, s) }));
  return [...group('changes', summary.changesRequested), ...group('current', summary.approvals), ...group('stale', summary.staleApprovals)];
}

/** "approved v4", "requested changes on v4", "commented on v4": a review in the history. */
export function verdictWords(verdict: Verdict, version: number): string {
  if (verdict === 'approve') return `approved v${version}`;
  if (verdict === 'request_changes') return `requested changes on v${version}`;
  return `commented on v${version}`;
}

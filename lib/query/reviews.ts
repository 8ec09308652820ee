import { mutationOptions, queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { REVIEW_LIMITS, VERDICTS, type ReviewSummary, type ReviewView, type Verdict } from '../review/types';
import { fetchJson, sendJson } from './api-client';
import { queryKeys } from './keys';

/**
 * An artifact's reviews (docs/API.md, "Review"): each person's verdict on a
 * version, and the summary for the latest one (approved, changes requested,
 * stale approvals, ready for hand-off). The live view reads both from the
 * review room instead; these serve pages without a room and the mutation.
 */

const actorSchema = z.object({ kind: z.enum(['user', 'agent']), id: z.string(), name: z.string() });

export const reviewSchema = z.object({
  id: z.string(),
  artifactId: z.string(),
  version: z.number().int(),
  verdict: z.enum(VERDICTS),
  summary: z.string(),
  reviewer: actorSchema,
  createdAt: z.string(),
}) satisfies z.ZodType<ReviewView>;

const standingSchema = z.object({ reviewer: actorSchema, version: z.number().int(), at: z.string() });

export const reviewSummarySchema = z.object({
  latestVersion: z.number().int().nullable(),
  requiredApprovals: z.number().int(),
  approvals: z.array(standingSchema),
  staleApprovals: z.array(standingSchema),
  changesRequested: z.array(standingSchema),
  state: z.enum(['approved', 'changes_requested', 'pending']),
  readyForHandoff: z.boolean(),
  openThreads: z.number().int(),
}) satisfies z.ZodType<ReviewSummary>;

export const reviewListSchema = z.object({ items: z.array(reviewSchema), summary: reviewSummarySchema });
export type ReviewList = z.infer<typeof reviewListSchema>;

const submittedReviewSchema = z.object({ review: reviewSchema, summary: reviewSummarySchema });
export type SubmittedReview = z.infer<typeof submittedReviewSchema>;

/** Under the artifact's review key (lib/query/review.ts holds the threads'), so invalidating the artifact reaches them too. */
export const verdictKeys = {
  list: (id: string) => [...queryKeys.artifacts.detail(id), 'review', 'reviews'] as const,
};

function reviewsPath(id: string): string {
  return `/api/v1/artifacts/${encodeURIComponent(id)}/reviews`;
}

/** Every review, oldest first, with the summary for the latest version. */
export function reviewsQueryOptions(id: string) {
  return queryOptions({
    queryKey: verdictKeys.list(id),
    queryFn: ({ signal }) => fetchJson(reviewsPath(id), reviewListSchema, signal),
  });
}

export interface ReviewInput {
  verdict: Verdict;
  /** Required (non-blank) for `request_changes`; at most REVIEW_LIMITS.summaryChars. */
  summary: string;
  /** Omit to review the page as it stands (the server cuts its version if needed). */
  version?: number;
}

/** Why a review cannot be sent as it is, in the words the form shows; null when it can. */
export function reviewInputProblem(input: Pick<ReviewInput, 'verdict' | 'summary'>): string | null {
  const summary = input.summary.trim();
  if (input.verdict === 'request_changes' && summary === '') return 'Say what needs to change.';
  if (input.verdict === 'comment' && summary === '') return 'Write your comment.';
  if (summary.length > REVIEW_LIMITS.summaryChars) return `Keep the summary to ${REVIEW_LIMITS.summaryChars.toLocaleString('en')} characters.`;
  return null;
}

/** Gives a verdict (people only). The review room updates everyone's status; this refreshes the cached list and the audit log. */
export function submitReviewMutationOptions(id: string) {
  return mutationOptions({
    mutationKey: ['artifacts', 'reviews', 'submit', id],
    mutationFn: (input: ReviewInput) =>
      sendJson('POST', reviewsPath(id), { ...input, summary: input.summary.trim() }, submittedReviewSchema),
    onSuccess: (_result, _input, _onMutate, context) => {
      void context.client.invalidateQueries({ queryKey: verdictKeys.list(id) });
      void context.client.invalidateQueries({ queryKey: queryKeys.audit.all });
    },
  });
}

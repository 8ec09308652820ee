import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { reviewAccess } from '../../lib/auth/policy';
import type { Principal } from '../../lib/auth/principal';
import { AppError } from '../../lib/errors';
import { REVIEW_LIMITS, VERDICTS } from '../../lib/review/types';
import type { ReviewRecord } from '../../lib/store/review-types';
import type { RequestMeta } from '../audit/audit';
import { getVisibleArtifact } from '../artifacts/artifact-view';
import type { Services } from '../services';
import { versionToReview } from './current-version';
import { notify } from './inbox';
import { reviewActorOf } from './people';
import { currentSummary, refreshReview } from './projection';
import { reviewView } from './views';

const ReviewInput = z.object({
  verdict: z.enum(VERDICTS),
  summary: z
    .string()
    .trim()
    .max(REVIEW_LIMITS.summaryChars)
    .refine((value) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value), 'must not contain control characters')
    .default(''),
  /** Review an earlier version explicitly; default: the page as it stands (its version is cut if needed). */
  version: z.number().int().positive().optional(),
});

const VERDICT_WORDS = { approve: 'approved', request_changes: 'requested changes on', comment: 'commented on' } as const;

/**
 * `POST /api/v1/artifacts/:id/reviews`: a person's verdict on a version.
 * Agents never review (an agent approving its own work proves nothing).
 */
export async function submitReview(services: Services, principal: Principal, id: string, raw: unknown, meta: RequestMeta) {
  const artifact = await getVisibleArtifact(services, principal, id);
  if (principal.kind !== 'user') throw new AppError('forbidden', 'Reviews are given by people, not agents.');
  if (reviewAccess(principal, artifact) !== 'write') throw new AppError('forbidden', 'Viewers can read reviews but not give them.');
  const input = ReviewInput.parse(raw);
  if (input.verdict === 'request_changes' && input.summary === '') {
    throw new AppError('bad_request', 'Say what needs to change: a request for changes needs a summary.', { details: { field: 'summary' } });
  }
  if (input.verdict === 'comment' && input.summary === '') {
    throw new AppError('bad_request', 'A comment review is its summary: write one.', { details: { field: 'summary' } });
  }
  const actor = reviewActorOf(principal);
  const version = await versionToReview(services, artifact.id, input.version, actor);
  const review: ReviewRecord = {
    id: randomUUID(),
    artifactId: artifact.id,
    orgId: artifact.orgId,
    version,
    verdict: input.verdict,
    summary: input.summary,
    reviewer: actor,
    createdAt: services.now(),
  };
  await services.store.transaction(async (tx) => {
    await tx.review.addReview(review);
    await services.audit.artifactEvent(principal, 'review.status_change', artifact, meta, { verdict: review.verdict, version }, tx);
  });
  await refreshReview(services, artifact, { threadIds: [] });
  // The artifact's owner and everyone who reviewed it before hear about the new state.
  const earlier = (await services.store.review.listReviews(artifact.id)).filter((r) => r.reviewer.kind === 'user').map((r) => r.reviewer.id);
  await notify(
    services,
    { orgId: artifact.orgId, artifactId: artifact.id, actor, actorUserId: principal.userId },
    [artifact.createdBy, ...earlier].map((userId) => ({
      userId,
      kind: 'status' as const,
      excerpt: review.summary || `${principal.name} ${VERDICT_WORDS[review.verdict]} v${version}`,
      verdict: review.verdict,
      version,
    })),
  );
  return { review: reviewView(review), summary: await currentSummary(services, artifact) };
}

/** `GET /api/v1/artifacts/:id/reviews`: every review, newest last, with the summary for the latest version. */
export async function listReviews(services: Services, principal: Principal, id: string) {
  const artifact = await getVisibleArtifact(services, principal, id);
  const reviews = await services.store.review.listReviews(artifact.id);
  return { items: reviews.map(reviewView), summary: await currentSummary(services, artifact) };
}

import * as Y from 'yjs';
import { docNameFor } from '../../lib/protocol/ids';
import { REVIEW_DOC, type ReviewSummary, type ThreadView } from '../../lib/review/types';
import type { Room } from '../collab/room';
import type { Services } from '../services';
import { groupReactions, reviewView, summarize, threadView } from './views';

/**
 * The review room's document is a projection of the review tables, written
 * only here. Each use case commits to the store first, then calls one of the
 * refresh functions, which set the changed entries (plain JSON, replaced
 * whole) through the room's write path: durable, then broadcast to every
 * member. A room that is loaded is reconciled against the tables first
 * (`reconcileReviewRoom`), so a crash between the two steps heals on the
 * next load, and artifacts whose review room was never written get one.
 */

const ORIGIN_PROJECTION = 'review-projection';

export const reviewRoomName = (artifactId: string) => ({ artifactId, kind: 'review' as const, docName: docNameFor(artifactId, 'review') });

interface Projection {
  threads: Map<string, ThreadView>;
  reviews: Map<string, unknown>;
  summary: ReviewSummary;
}

async function buildProjection(services: Services, artifactId: string, orgId: string): Promise<Projection> {
  const [threads, comments, reactions, reviews] = await Promise.all([
    services.store.review.listThreads(artifactId),
    services.store.review.listCommentsOfArtifact(artifactId),
    services.store.review.listReactions(artifactId),
    services.store.review.listReviews(artifactId),
  ]);
  const grouped = groupReactions(reactions);
  const byThread = new Map<string, typeof comments>();
  for (const comment of comments) {
    const list = byThread.get(comment.threadId) ?? [];
    list.push(comment);
    byThread.set(comment.threadId, list);
  }
  const summary = await summaryOf(services, artifactId, orgId, reviews, threads.filter((t) => t.status === 'open').length);
  return {
    threads: new Map(threads.map((thread) => [thread.id, threadView(thread, byThread.get(thread.id) ?? [], grouped)])),
    reviews: new Map(reviews.map((review) => [review.id, reviewView(review)])),
    summary,
  };
}

async function summaryOf(
  services: Services,
  artifactId: string,
  orgId: string,
  reviews: Awaited<ReturnType<Services['store']['review']['listReviews']>>,
  openThreads: number,
): Promise<ReviewSummary> {
  const [latest, org] = await Promise.all([services.store.latestVersion(artifactId), services.store.getOrg(orgId)]);
  return summarize(reviews, latest?.n ?? null, org?.settings.requiredApprovals ?? 1, openThreads);
}

/** Sets `key` only when the JSON differs, so reconciling an up-to-date doc writes nothing. */
function setIfChanged(map: Y.Map<unknown>, key: string, value: unknown): void {
  const current = map.get(key);
  if (current !== undefined && JSON.stringify(current) === JSON.stringify(value)) return;
  map.set(key, value);
}

function applyProjection(room: Room, projection: Projection, scope: { threadIds?: string[]; reviews?: boolean }): void {
  room.applyLocal((doc) => {
    const threads = doc.getMap<unknown>(REVIEW_DOC.threads);
    const ids = scope.threadIds ?? [...new Set([...threads.keys(), ...projection.threads.keys()])];
    for (const id of ids) {
      const view = projection.threads.get(id);
      if (view) setIfChanged(threads, id, view);
      else if (threads.has(id)) threads.delete(id);
    }
    if (scope.reviews !== false) {
      const reviews = doc.getMap<unknown>(REVIEW_DOC.reviews);
      for (const key of [...reviews.keys()]) if (!projection.reviews.has(key)) reviews.delete(key);
      for (const [id, view] of projection.reviews) setIfChanged(reviews, id, view);
    }
    setIfChanged(doc.getMap<unknown>(REVIEW_DOC.summary), 'status', projection.summary);
  }, ORIGIN_PROJECTION);
}

/** Brings a freshly loaded review room in line with the tables (registry `prepare` hook). */
export async function reconcileReviewRoom(services: Services, room: Room): Promise<void> {
  const artifact = await services.store.getArtifact(room.name.artifactId);
  if (!artifact) return;
  applyProjection(room, await buildProjection(services, artifact.id, artifact.orgId), {});
  await room.whenDurable();
}

/**
 * Re-projects the given threads (or all, when omitted), the reviews and the
 * summary of one artifact, durably, before the caller answers.
 */
export async function refreshReview(
  services: Services,
  artifact: { id: string; orgId: string },
  scope: { threadIds?: string[] } = {},
): Promise<void> {
  await services.registry.withRoom(reviewRoomName(artifact.id), async (room) => {
    applyProjection(room, await buildProjection(services, artifact.id, artifact.orgId), scope);
    await room.whenDurable();
  });
}

/** The current summary without touching the room (API reads). */
export async function currentSummary(services: Services, artifact: { id: string; orgId: string }): Promise<ReviewSummary> {
  const [reviews, threads] = await Promise.all([
    services.store.review.listReviews(artifact.id),
    services.store.review.listThreads(artifact.id),
  ]);
  return summaryOf(services, artifact.id, artifact.orgId, reviews, threads.filter((t) => t.status === 'open').length);
}

/**
 * The organization's settings changed (approvals required): re-project the
 * summary of every review room of that org loaded in this process, so open
 * pages show the new hand-off state at once. Rooms not loaded are reconciled
 * when they next load.
 */
export async function refreshOrgSummaries(services: Services, orgId: string): Promise<void> {
  const rooms = services.registry.loaded().filter((room) => room.name.kind === 'review');
  for (const room of rooms) {
    const artifact = await services.store.getArtifact(room.name.artifactId);
    if (artifact?.orgId === orgId) await refreshReview(services, artifact, { threadIds: [] });
  }
}

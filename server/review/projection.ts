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
  /** Thread views by id: every thread of the artifact, or only those in scope (one missing was deleted). */
  threads: Map<string, ThreadView>;
  reviews: Map<string, unknown>;
  /** The summary, given how many threads are open. */
  summary: (openThreads: number) => ReviewSummary;
  /**
   * Open threads counted from the tables (a full projection). Null for a scoped one: they are
   * counted in the document once the scope is applied, since the document holds every thread
   * as the tables do (it is reconciled whenever it loads, and every change to a thread
   * re-projects that thread).
   */
  openThreads: number | null;
}

/** Every thread, comment and review of the artifact: loading a room, or a refresh without a scope. */
async function buildProjection(services: Services, artifactId: string, orgId: string): Promise<Projection> {
  const [threads, comments, reactions, reviews, summary] = await Promise.all([
    services.store.review.listThreads(artifactId),
    services.store.review.listCommentsOfArtifact(artifactId),
    services.store.review.listReactions(artifactId),
    services.store.review.listReviews(artifactId),
    summaryFor(services, artifactId, orgId),
  ]);
  const grouped = groupReactions(reactions);
  const byThread = new Map<string, typeof comments>();
  for (const comment of comments) {
    const list = byThread.get(comment.threadId) ?? [];
    list.push(comment);
    byThread.set(comment.threadId, list);
  }
  return {
    threads: new Map(threads.map((thread) => [thread.id, threadView(thread, byThread.get(thread.id) ?? [], grouped)])),
    reviews: new Map(reviews.map((review) => [review.id, reviewView(review)])),
    summary: (openThreads) => summary(reviews, openThreads),
    openThreads: threads.filter((t) => t.status === 'open').length,
  };
}

/**
 * Only the given threads (a write changes one): their rows and comments,
 * plus the reviews. Reading every thread and comment of the artifact on each
 * write made a write near the threads-per-artifact cap cost tens of
 * milliseconds of reads and JSON parsing for one thread's change.
 */
async function buildScopedProjection(services: Services, artifactId: string, orgId: string, threadIds: readonly string[]): Promise<Projection> {
  const [rows, reactions, reviews, summary] = await Promise.all([
    Promise.all(threadIds.map(async (id) => ({ thread: await services.store.review.getThread(id), comments: await services.store.review.listComments(id) }))),
    threadIds.length > 0 ? services.store.review.listReactions(artifactId) : Promise.resolve([]),
    services.store.review.listReviews(artifactId),
    summaryFor(services, artifactId, orgId),
  ]);
  const grouped = groupReactions(reactions);
  const threads = new Map<string, ThreadView>();
  for (const { thread, comments } of rows) {
    if (thread && thread.artifactId === artifactId) threads.set(thread.id, threadView(thread, comments, grouped));
  }
  return {
    threads,
    reviews: new Map(reviews.map((review) => [review.id, reviewView(review)])),
    summary: (openThreads) => summary(reviews, openThreads),
    openThreads: null,
  };
}

type ReviewRecords = Awaited<ReturnType<Services['store']['review']['listReviews']>>;

/** Reads what the summary needs besides the reviews and the open threads. */
async function summaryFor(services: Services, artifactId: string, orgId: string): Promise<(reviews: ReviewRecords, openThreads: number) => ReviewSummary> {
  const [latest, org] = await Promise.all([services.store.latestVersion(artifactId), services.store.getOrg(orgId)]);
  return (reviews, openThreads) => summarize(reviews, latest?.n ?? null, org?.settings.requiredApprovals ?? 1, openThreads);
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
    const openThreads = projection.openThreads ?? countOpen(threads);
    setIfChanged(doc.getMap<unknown>(REVIEW_DOC.summary), 'status', projection.summary(openThreads));
  }, ORIGIN_PROJECTION);
}

function countOpen(threads: Y.Map<unknown>): number {
  let open = 0;
  for (const view of threads.values()) if ((view as ThreadView).status === 'open') open++;
  return open;
}

/** Brings a freshly loaded review room in line with the tables (registry `prepare` hook). */
export async function reconcileReviewRoom(services: Services, room: Room): Promise<void> {
  const artifact = await services.store.getArtifact(room.name.artifactId);
  if (!artifact) return;
  applyProjection(room, await buildProjection(services, artifact.id, artifact.orgId), {});
  await room.whenDurable();
}

/** Per server and artifact, the last refresh queued (see `inTurn`). */
const refreshQueues = new WeakMap<Services, Map<string, Promise<void>>>();

/**
 * Runs one artifact's refreshes (in this process) one after another. Each reads the tables,
 * then writes the room: two running at once (a reply and a resolve a moment
 * apart) could apply in the other order, and the older read would stay in
 * the room until it next loads. In turn, the later refresh always reads
 * after the earlier one has applied.
 */
function inTurn(services: Services, artifactId: string, task: () => Promise<void>): Promise<void> {
  let queues = refreshQueues.get(services);
  if (!queues) {
    queues = new Map();
    refreshQueues.set(services, queues);
  }
  const run = (queues.get(artifactId) ?? Promise.resolve()).then(task);
  const settled = run.catch(() => undefined);
  queues.set(artifactId, settled);
  void settled.then(() => {
    if (queues.get(artifactId) === settled) queues.delete(artifactId);
  });
  return run;
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
    const refresh = async () => {
      await inTurn(services, artifact.id, async () => {
        // Projected onto the room as every instance has stored it, not onto a copy missing another's refresh.
        if (room.isShared) await room.upToDate();
        const projection = scope.threadIds
          ? await buildScopedProjection(services, artifact.id, artifact.orgId, scope.threadIds)
          : await buildProjection(services, artifact.id, artifact.orgId);
        applyProjection(room, projection, scope);
      });
      await room.whenDurable();
    };
    // `inTurn` orders one process's refreshes; across instances one refresh of an artifact runs at a time
    // (read the tables, write, durable), so an older read never lands after a newer one's write.
    if (room.isShared) await services.store.withLock(`review:${artifact.id}`, refresh);
    else await refresh();
  });
}

/** The current summary without touching the room (API reads). */
export async function currentSummary(services: Services, artifact: { id: string; orgId: string }): Promise<ReviewSummary> {
  const [reviews, threads, summary] = await Promise.all([
    services.store.review.listReviews(artifact.id),
    services.store.review.listThreads(artifact.id),
    summaryFor(services, artifact.id, artifact.orgId),
  ]);
  return summary(reviews, threads.filter((t) => t.status === 'open').length);
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

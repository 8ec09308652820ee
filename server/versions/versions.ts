import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { htmlOf, metaOf, replacePage } from '../../lib/artifact/doc-shape';
import { docNameFor } from '../../lib/protocol/ids';
import type { VersionKind, VersionRecord } from '../../lib/store/types';
import { decodeVersion, encodeVersion } from '../../lib/versions/codec';
import type { RequestMeta } from '../audit/audit';
import { formatEtag } from '../artifacts/etag';
import { getVisibleArtifact } from '../artifacts/artifact-view';
import { withDocLock, writableArtifact } from '../artifacts/write-content';
import type { Room } from '../collab/room';
import type { Services } from '../services';
import { label } from '../validation';
import { httpUrl, httpUrlOrNull } from '../../lib/http-url';
import { authorOf, type VersionAuthor } from './author';
import { refreshReview } from '../review/projection';

/** A pull request's address (GitHub's are under 100 characters). */
const MAX_PR_URL_LENGTH = 500;

const CheckpointInput = z.object({
  message: label(500).default(''),
  session: label(200).optional(),
  commitSha: z.string().regex(/^[0-9a-fA-F]{7,64}$/, 'must be a hex commit SHA').optional(),
  prUrl: httpUrl(MAX_PR_URL_LENGTH).optional(),
});

export function versionView(version: VersionRecord) {
  return {
    n: version.n,
    kind: version.kind,
    message: version.message,
    author: { kind: version.authorKind, id: version.authorId, name: version.authorName },
    createdAt: new Date(version.createdAt).toISOString(),
    session: version.session,
    commitSha: version.commitSha,
    // A row stored before http(s) was required is shown without its link.
    prUrl: httpUrlOrNull(version.prUrl, MAX_PR_URL_LENGTH),
    sizeBytes: version.sizeBytes,
    changeBytes: version.changeBytes,
    restoredFrom: version.restoredFrom,
  };
}

const contentRoom = (id: string) => ({ artifactId: id, kind: 'content' as const, docName: docNameFor(id, 'content') });

function hashPage(page: string): string {
  return createHash('sha256').update(page).digest('hex');
}

/** Versions of one artifact are cut one at a time (each is a delta against the one before). */
const chains = new Map<string, Promise<unknown>>();

function serially<T>(artifactId: string, task: () => Promise<T>): Promise<T> {
  const previous = chains.get(artifactId) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(task);
  chains.set(artifactId, next);
  void next.finally(() => {
    if (chains.get(artifactId) === next) chains.delete(artifactId);
  });
  return next;
}

/**
 * The page of each artifact's latest version, so cutting the next one is a
 * diff, not a rebuild. Bounded by total size; keyed by n, so a version cut by
 * another process is noticed and read from storage instead.
 */
const latestPages = new Map<string, { n: number; page: string }>();
const LATEST_PAGES_MAX_UNITS = 32 * 1024 * 1024;
let latestPagesUnits = 0;

function rememberLatest(artifactId: string, n: number, page: string): void {
  const old = latestPages.get(artifactId);
  if (old) latestPagesUnits -= old.page.length;
  latestPages.delete(artifactId);
  latestPages.set(artifactId, { n, page });
  latestPagesUnits += page.length;
  for (const [key, value] of latestPages) {
    if (latestPagesUnits <= LATEST_PAGES_MAX_UNITS) break;
    latestPages.delete(key);
    latestPagesUnits -= value.page.length;
  }
}

export async function readVersionPage(services: Services, artifactId: string, n: number): Promise<string | null> {
  const chain = await services.store.readVersionChain(artifactId, n);
  return chain ? decodeVersion(chain.keyframe, chain.deltas) : null;
}

interface CutInput {
  artifactId: string;
  author: VersionAuthor;
  kind: VersionKind;
  message: string;
  session?: string | null;
  commitSha?: string | null;
  prUrl?: string | null;
  restoredFrom?: number | null;
}

/**
 * Cuts a version of the page as it stands now (durable first). When the page
 * has not changed since the latest version, that version is returned instead
 * (except for restores, which always record the act).
 *
 * With several instances the cut runs under the store's lock
 * `version:<artifactId>`, and the "unchanged since the latest version" check
 * reads the latest version inside it: automatic-version timers firing on
 * three instances after the same writes make one version, the others find
 * its hash equal to their page's and return it.
 */
export function cutVersion(services: Services, input: CutInput): Promise<{ version: VersionRecord; created: boolean }> {
  return serially(input.artifactId, () =>
    services.registry.withRoom(contentRoom(input.artifactId), (room) => withVersionLock(services, room, input.artifactId, async () => {
      // Caught up and under the artifact's version lock when instances share it: one cut of one page, whoever's timer fires.
      await room.upToDate();
      const page = htmlOf(room.doc).toString();
      const contentHash = hashPage(page);
      const latest = await services.store.latestVersion(input.artifactId);
      if (latest && latest.contentHash === contentHash && input.kind !== 'restore') return { version: latest, created: false };
      const cached = latestPages.get(input.artifactId);
      const previousPage = !latest ? null : cached && cached.n === latest.n ? cached.page : await readVersionPage(services, input.artifactId, latest.n);
      const { stored, changeBytes } = encodeVersion(
        latest && previousPage !== null
          ? { page: previousPage, deltaBytesSinceKeyframe: latest.deltaBytesSinceKeyframe, deltasSinceKeyframe: latest.deltasSinceKeyframe }
          : null,
        page,
      );
      const version: VersionRecord = {
        artifactId: input.artifactId,
        n: (latest?.n ?? 0) + 1,
        kind: input.kind,
        message: input.message,
        authorKind: input.author.kind,
        authorId: input.author.id,
        authorName: input.author.name,
        createdAt: services.now(),
        session: input.session ?? null,
        commitSha: input.commitSha ?? null,
        prUrl: input.prUrl ?? null,
        sizeBytes: Buffer.byteLength(page),
        changeBytes,
        restoredFrom: input.restoredFrom ?? null,
        contentHash,
      };
      await services.store.appendVersion({ ...version, keyframe: stored.keyframe, data: stored.data });
      rememberLatest(input.artifactId, version.n, page);
      // Open pages learn of the new version through the document they already hold.
      room.applyLocal((doc) => metaOf(doc).set('latestVersion', version.n), 'http');
      await room.whenDurable();
      // Approvals of the previous version are stale now: the review room's summary says so live.
      const artifact = await services.store.getArtifact(input.artifactId);
      if (artifact) await refreshReview(services, artifact, { threadIds: [] }).catch((error: unknown) => {
        services.logger.warn('could not refresh the review summary after a version', { error });
      });
      return { version, created: true };
    })),
  );
}

function withVersionLock<T>(services: Services, room: Room, artifactId: string, work: () => Promise<T>): Promise<T> {
  if (!room.isShared) return work();
  return services.store.withLock(`version:${artifactId}`, work);
}

function checkIfMatch(ifMatch: string[] | null, current: string): void {
  if (ifMatch && !ifMatch.includes('*') && !ifMatch.includes(current)) {
    throw new AppError('precondition_failed', 'The page changed since the version you based this on.', {
      details: { etag: current },
      headers: { etag: current },
    });
  }
}

async function currentEtag(services: Services, id: string): Promise<string> {
  return services.registry.withRoom(contentRoom(id), async (room) => {
    await room.upToDate();
    return formatEtag(room.lastSeq);
  });
}

export async function checkpoint(services: Services, principal: Principal, id: string, raw: unknown, ifMatch: string[] | null) {
  await writableArtifact(services, principal, id);
  const input = CheckpointInput.parse(raw ?? {});
  checkIfMatch(ifMatch, await currentEtag(services, id));
  services.versionScheduler.cancel(id);
  return cutVersion(services, {
    artifactId: id,
    author: authorOf(principal),
    kind: 'named',
    message: input.message,
    session: input.session ?? null,
    commitSha: input.commitSha ?? null,
    prUrl: input.prUrl ?? null,
  });
}

export async function listVersions(services: Services, principal: Principal, id: string, namedOnly: boolean) {
  await getVisibleArtifact(services, principal, id);
  return { items: (await services.store.listVersions(id, { namedOnly })).map(versionView) };
}

function parseN(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1e9) throw new AppError('not_found', 'No version with that number.');
  return n;
}

/** One version with the page as it stood (`html`), as the public contract has it. */
export async function getVersion(services: Services, principal: Principal, id: string, rawN: string) {
  await getVisibleArtifact(services, principal, id);
  const n = parseN(rawN);
  const version = await services.store.getVersion(id, n);
  const html = version ? await readVersionPage(services, id, n) : null;
  if (!version || html === null) throw new AppError('not_found', 'No version with that number.');
  return { ...versionView(version), html };
}

export async function getVersionContent(services: Services, principal: Principal, id: string, rawN: string): Promise<string> {
  await getVisibleArtifact(services, principal, id);
  const page = await readVersionPage(services, id, parseN(rawN));
  if (page === null) throw new AppError('not_found', 'No version with that number.');
  return page;
}

function requirePerson(principal: Principal): void {
  if (principal.kind !== 'user') throw new AppError('forbidden', 'What a reviewer has seen is kept for people, not tokens.');
}

/** "New since you last looked": the highest version this person has seen, kept per account so it follows them across devices. */
export async function getSeen(services: Services, principal: Principal, id: string) {
  requirePerson(principal);
  await getVisibleArtifact(services, principal, id);
  return { lastSeen: await services.store.getSeenVersion(id, principal.userId) };
}

export async function markSeen(services: Services, principal: Principal, id: string, raw: unknown) {
  requirePerson(principal);
  await getVisibleArtifact(services, principal, id);
  const { n } = z.object({ n: z.number().int().min(1) }).parse(raw);
  const latest = await services.store.latestVersion(id);
  if (!latest || n > latest.n) throw new AppError('bad_request', 'n: no such version.');
  await services.store.markSeenVersion(id, principal.userId, n, services.now());
  return { lastSeen: await services.store.getSeenVersion(id, principal.userId) };
}

/**
 * Restore: the live page becomes version n's page through the minimal diff
 * (open viewers see it change and keep their place), recorded as a new
 * version; history is never rewritten.
 */
export async function restoreVersion(
  services: Services,
  principal: Principal,
  id: string,
  rawN: string,
  ifMatch: string[] | null,
  meta: RequestMeta,
) {
  const artifact = await writableArtifact(services, principal, id);
  const n = parseN(rawN);
  const page = await readVersionPage(services, id, n);
  if (page === null) throw new AppError('not_found', 'No version with that number.');
  await services.registry.withRoom(contentRoom(id), (room) => withDocLock(services, room, async () => {
    await room.upToDate();
    checkIfMatch(ifMatch, formatEtag(room.lastSeq));
    // The size goes with the append that stores the restored page, in its transaction.
    if (room.applyLocal((doc) => replacePage(doc, page, 'http'), 'http')) room.noteSize(Buffer.byteLength(page));
    await room.whenApplied();
  }));
  services.versionScheduler.cancel(id);
  const { version } = await cutVersion(services, {
    artifactId: id,
    author: authorOf(principal),
    kind: 'restore',
    message: `Restored from v${n}`,
    restoredFrom: n,
  });
  await services.audit.artifactEvent(principal, 'version.restore', artifact, meta, { from: n, version: version.n });
  return versionView(version);
}

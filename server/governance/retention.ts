import { CloseCode } from '../../lib/protocol/close-codes';
import { docNameFor } from '../../lib/protocol/ids';
import type { ArtifactRecord } from '../../lib/store/types';
import { SYSTEM_ACTOR } from '../audit/audit';
import { isSharedDeployment, type Services } from '../services';
import { encodeKeyframe } from '../../lib/versions/codec';
import { readVersionPage } from '../versions/versions';

const DAY_MS = 24 * 3600 * 1000;
const BATCH = 100;

/** Every stored document of an artifact: the page and the review layer (its versions go with its row). */
export function artifactDocNames(id: string): string[] {
  return [docNameFor(id, 'content'), docNameFor(id, 'review'), docNameFor(id, 'notes')];
}

/**
 * Purges one artifact completely: live rooms are closed first (their
 * pending writes flushed), then the row, access list and every document go
 * in one transaction, and the purge is audited.
 */
export async function purgeArtifact(services: Services, artifact: ArtifactRecord, reason: Record<string, unknown>): Promise<void> {
  const docNames = artifactDocNames(artifact.id);
  for (const name of docNames) await services.registry.evict(name, CloseCode.NOT_FOUND, 'This artifact was deleted.');
  await services.store.transaction(async (tx) => {
    await tx.purgeArtifact(artifact.id, docNames);
    await services.audit.record(
      {
        orgId: artifact.orgId,
        actor: SYSTEM_ACTOR,
        action: 'artifact.purge',
        artifactId: artifact.id,
        target: { type: 'artifact', id: artifact.id, label: artifact.title },
        details: { ...reason, lastUpdatedAt: new Date(artifact.updatedAt).toISOString(), createdBy: artifact.createdBy },
      },
      tx,
    );
  });
  // Sockets on it in other processes find it gone and close; their rooms unload.
  services.accessChanged({ artifactId: artifact.id });
}

/**
 * One pass of the retention job over every organization with a retention
 * period. Returns how many were purged. `isStillOwner` is asked before each
 * purge: a sweeper that lost its lease (stalled past it) stops there.
 */
export async function runRetentionSweep(services: Services, isStillOwner: () => Promise<boolean> = async () => true): Promise<number> {
  let purged = 0;
  for (const org of await services.store.listOrgs()) {
    if (!(await isStillOwner())) break;
    const days = org.settings.retentionDays;
    if (days === null) continue;
    const cutoff = services.now() - days * DAY_MS;
    for (;;) {
      const expired = await services.store.listExpiredArtifacts(org.id, cutoff, BATCH);
      for (const artifact of expired) {
        // Re-read: a legal hold or an edit may have landed since the listing.
        const current = await services.store.getArtifact(artifact.id);
        if (!current || current.legalHold || current.updatedAt >= cutoff) continue;
        if (!(await isStillOwner())) return purged;
        await purgeArtifact(services, current, { retentionDays: days });
        purged += 1;
      }
      if (expired.length < BATCH) break;
    }
    await pruneOldVersions(services, org.id, cutoff);
  }
  return purged;
}

/**
 * Versions older than the retention period go too, from artifacts that stay
 * (recently edited ones): the oldest kept version becomes a keyframe first,
 * so every newer version still reads back. The latest version always stays.
 */
async function pruneOldVersions(services: Services, orgId: string, cutoff: number): Promise<void> {
  // Only artifacts that have something to prune (drafts included); what is left waits for the next sweep.
  for (const artifact of await services.store.listArtifactsWithVersionsBefore(orgId, cutoff, 1000)) {
    const versions = await services.store.listVersions(artifact.id);
    const keep = versions.filter((v) => v.createdAt >= cutoff);
    const oldestKept = keep.length > 0 ? keep[keep.length - 1] : versions[0];
    if (!oldestKept || oldestKept.n === versions[versions.length - 1].n) continue;
    const pageText = await readVersionPage(services, artifact.id, oldestKept.n);
    if (pageText === null) continue;
    await services.store.transaction(async (tx) => {
      const dropped = await tx.pruneVersions(artifact.id, oldestKept.n, encodeKeyframe(pageText));
      if (dropped === 0) return;
      await services.audit.record(
        {
          orgId,
          actor: SYSTEM_ACTOR,
          action: 'artifact.purge',
          artifactId: artifact.id,
          target: { type: 'artifact', id: artifact.id, label: artifact.title },
          details: { versionsPurged: dropped, keptFrom: oldestKept.n },
        },
        tx,
      );
    });
  }
}

/** The lease whose holder alone runs the retention sweep (with several instances on one database). */
export const RETENTION_LEASE = 'retention';

/**
 * Runs the sweep soon and then every `intervalMs`; one pass at a time.
 * Returns a stop function (which gives the lease up, so another instance
 * takes over at its next tick).
 *
 * With several instances only the holder of the `retention` lease sweeps.
 * The lease lasts one and a half intervals and the holder's every tick
 * renews it, so while the holder lives the others' ticks find it held. If
 * the holder dies (SIGKILL: nothing released), the lease lapses and the
 * first instance to tick after that takes over; a holder that stops gives it
 * up. During a long sweep the lease is renewed before each purge, and a
 * sweeper that finds it lost stops.
 */
export function startRetentionJob(services: Services, intervalMs: number): () => Promise<void> {
  const isShared = isSharedDeployment(services);
  const leaseMs = Math.floor(intervalMs * 1.5);
  let running: Promise<void> | null = null;
  let isStopped = false;
  const holdLease = async (): Promise<boolean> => {
    if (!isShared) return !isStopped;
    if (isStopped) return false;
    return (await services.store.acquireLease(RETENTION_LEASE, services.nodeId, leaseMs, services.now())) !== null;
  };
  const tick = () => {
    if (running || isStopped) return;
    running = (async () => {
      if (!(await holdLease())) return;
      const count = await runRetentionSweep(services, holdLease);
      if (count > 0) services.logger.info('retention purged artifacts', { count });
    })()
      .catch((error: unknown) => services.logger.error('retention sweep failed', { error }))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(tick, Math.min(intervalMs, 5_000));
  const timer = setInterval(tick, intervalMs);
  first.unref();
  timer.unref();
  return async () => {
    isStopped = true;
    clearTimeout(first);
    clearInterval(timer);
    await running;
    if (isShared) {
      await services.store.releaseLease(RETENTION_LEASE, services.nodeId).catch((error: unknown) => {
        services.logger.warn('could not give up the retention lease (it lapses on its own)', { error });
      });
    }
  };
}

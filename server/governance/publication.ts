import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { canChangeAccess, canPublish, canRequestPublication, canSetLegalHold, mayPublishInOrg } from '../../lib/auth/policy';
import { DEFAULT_ORG_SETTINGS, type ArtifactRecord, type Visibility } from '../../lib/store/types';
import type { RequestMeta } from '../audit/audit';
import { getVisibleArtifact, presentArtifact } from '../artifacts/artifact-view';
import type { Services } from '../services';

const AccessInput = z.object({
  visibility: z.enum(['org', 'members']),
  members: z.array(z.string().min(1).max(100)).max(500).default([]),
});

const PublishInput = z.object({
  visibility: z.enum(['org', 'members']).optional(),
  members: z.array(z.string().min(1).max(100)).max(500).optional(),
});

/** Named members must be members of the artifact's org; anyone else is refused, not silently dropped. */
async function checkMembers(services: Services, orgId: string, members: string[]): Promise<string[]> {
  const unique = Array.from(new Set(members));
  for (const userId of unique) {
    if (!(await services.store.getMembership(orgId, userId))) {
      throw new AppError('bad_request', `members: ${userId} is not a member of this organization.`);
    }
  }
  return unique;
}

async function settingsOf(services: Services, orgId: string) {
  return (await services.store.getOrg(orgId))?.settings ?? DEFAULT_ORG_SETTINGS;
}

function forbidden(message: string): AppError {
  return new AppError('forbidden', message);
}

/** The approval step: a person allowed to publish makes a draft visible. */
export async function publishArtifact(services: Services, principal: Principal, id: string, raw: unknown, meta: RequestMeta) {
  const input = PublishInput.parse(raw ?? {});
  const artifact = await getVisibleArtifact(services, principal, id);
  const settings = await settingsOf(services, principal.orgId);
  // Permission before state: someone who may never publish learns nothing from a 409.
  if (!mayPublishInOrg(principal, settings)) {
    throw forbidden(principal.kind === 'agent' ? 'Agents cannot publish; a person approves publication.' : 'Only admins may publish in this organization.');
  }
  if (artifact.status !== 'draft') throw new AppError('conflict', 'This artifact is already published.');
  if (!canPublish(principal, artifact, settings)) throw forbidden('You cannot publish this draft.');
  const visibility: Visibility = input.visibility ?? settings.defaultVisibility;
  const members = visibility === 'members' ? await checkMembers(services, principal.orgId, input.members ?? []) : [];
  const now = services.now();
  const updated = await services.store.transaction(async (tx) => {
    const updated = await tx.updateArtifact(id, { status: 'published', visibility, members, publishedAt: now, publishedBy: principal.userId });
    await services.audit.artifactEvent(principal, 'artifact.publish', artifact, meta, { visibility, members }, tx);
    return updated;
  });
  // Who may see it (and how) changed: open sockets on it, on every instance, re-check now.
  services.accessChanged({ artifactId: id });
  return presentArtifact(services, principal, updated!);
}

export async function requestPublication(services: Services, principal: Principal, id: string, meta: RequestMeta) {
  const artifact = await getVisibleArtifact(services, principal, id);
  const settings = await settingsOf(services, principal.orgId);
  if (!canRequestPublication(principal, artifact, settings)) {
    throw forbidden(artifact.publishRequestedAt !== null ? 'Publication was already requested.' : 'You can publish this yourself, or it is not your draft.');
  }
  const updated = await services.store.transaction(async (tx) => {
    const updated = await tx.updateArtifact(id, { publishRequestedAt: services.now() });
    await services.audit.artifactEvent(principal, 'artifact.publish_request', artifact, meta, {}, tx);
    return updated;
  });
  return presentArtifact(services, principal, updated!);
}

export async function setArtifactAccess(services: Services, principal: Principal, id: string, raw: unknown, meta: RequestMeta) {
  const input = AccessInput.parse(raw);
  const artifact = await getVisibleArtifact(services, principal, id);
  if (!canChangeAccess(principal, artifact)) throw forbidden('Only the creator or an admin can change who sees this artifact.');
  const members = input.visibility === 'members' ? await checkMembers(services, principal.orgId, input.members) : [];
  const updated = await services.store.transaction(async (tx) => {
    const updated = await tx.updateArtifact(id, { visibility: input.visibility, members });
    const details = { from: { visibility: artifact.visibility, members: artifact.members }, to: { visibility: input.visibility, members } };
    await services.audit.artifactEvent(principal, 'artifact.access_change', artifact, meta, details, tx);
    return updated;
  });
  // Live sockets on it, on every instance, re-check now; anyone no longer allowed is closed.
  services.accessChanged({ artifactId: id });
  return presentArtifact(services, principal, updated!);
}

export async function setLegalHold(services: Services, principal: Principal, id: string, raw: unknown, meta: RequestMeta) {
  const { hold } = z.object({ hold: z.boolean() }).parse(raw);
  const artifact: ArtifactRecord = await getVisibleArtifact(services, principal, id);
  if (!canSetLegalHold(principal, artifact)) throw forbidden('Only admins can place or lift a legal hold.');
  const updated = await services.store.transaction(async (tx) => {
    const updated = await tx.updateArtifact(id, { legalHold: hold });
    if (artifact.legalHold !== hold) await services.audit.artifactEvent(principal, 'artifact.legal_hold', artifact, meta, { hold }, tx);
    return updated;
  });
  return presentArtifact(services, principal, updated!);
}

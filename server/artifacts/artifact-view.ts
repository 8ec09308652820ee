import type { ArtifactRecord, OrgSettings } from '../../lib/store/types';
import { DEFAULT_ORG_SETTINGS } from '../../lib/store/types';
import type { Principal } from '../../lib/auth/principal';
import {
  canChangeAccess,
  canExportArtifact,
  canPublish,
  canRequestPublication,
  canSeeArtifact,
  canSetLegalHold,
  contentAccess,
  reviewAccess,
} from '../../lib/auth/policy';
import { artifactNotFound } from '../../lib/errors';
import { isArtifactId } from '../../lib/protocol/ids';
import type { Services } from '../services';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The public JSON shape of an artifact (times as ISO-8601 UTC), with what this principal may do to it. */
export function artifactView(
  artifact: ArtifactRecord,
  appOrigin: string,
  principal: Principal,
  context: { settings: OrgSettings; names: ReadonlyMap<string, string> },
) {
  return {
    id: artifact.id,
    url: `${appOrigin}/a/${artifact.id}`,
    title: artifact.title,
    project: artifact.project,
    session: artifact.session,
    kind: artifact.kind,
    status: artifact.status,
    visibility: artifact.visibility,
    members: artifact.members,
    legalHold: artifact.legalHold,
    publishRequested: artifact.publishRequestedAt !== null,
    publishedAt: iso(artifact.publishedAt),
    publishedBy: artifact.publishedBy,
    createdBy: { id: artifact.createdBy, name: context.names.get(artifact.createdBy) ?? 'Former member' },
    createdAt: iso(artifact.createdAt),
    updatedAt: iso(artifact.updatedAt),
    sizeBytes: artifact.sizeBytes,
    access: { content: contentAccess(principal, artifact), review: reviewAccess(principal, artifact) },
    can: {
      publish: canPublish(principal, artifact, context.settings),
      requestPublication: canRequestPublication(principal, artifact, context.settings),
      changeAccess: canChangeAccess(principal, artifact),
      legalHold: canSetLegalHold(principal, artifact),
      export: canExportArtifact(principal, artifact),
    },
  };
}

export type ArtifactView = ReturnType<typeof artifactView>;

/** Renders artifacts for one principal: the org's settings and creators' names are read once. */
export async function presentArtifacts(services: Services, principal: Principal, artifacts: ArtifactRecord[]): Promise<ArtifactView[]> {
  const org = await services.store.getOrg(principal.orgId);
  const names = new Map<string, string>();
  for (const id of new Set(artifacts.map((a) => a.createdBy))) {
    const user = await services.store.getUser(id);
    if (user) names.set(id, user.name);
  }
  const context = { settings: org?.settings ?? DEFAULT_ORG_SETTINGS, names };
  return artifacts.map((artifact) => artifactView(artifact, services.appOrigin(), principal, context));
}

export async function presentArtifact(services: Services, principal: Principal, artifact: ArtifactRecord): Promise<ArtifactView> {
  return (await presentArtifacts(services, principal, [artifact]))[0];
}

/** Loads an artifact the principal may see, or throws the same 404 for "missing" and "not yours". */
export async function getVisibleArtifact(services: Services, principal: Principal, id: string): Promise<ArtifactRecord> {
  if (!isArtifactId(id)) throw artifactNotFound();
  const artifact = await services.store.getArtifact(id);
  if (!artifact || !canSeeArtifact(principal, artifact)) throw artifactNotFound();
  return artifact;
}

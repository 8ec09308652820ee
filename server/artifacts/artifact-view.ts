import type { ArtifactRecord } from '../../lib/store/types';
import type { Principal } from '../../lib/auth/principal';
import { canSeeArtifact, contentAccess, reviewAccess } from '../../lib/auth/policy';
import { artifactNotFound } from '../../lib/errors';
import { isArtifactId } from '../../lib/protocol/ids';
import type { Services } from '../services';

/** The public JSON shape of an artifact (times as ISO-8601 UTC). */
export function artifactView(artifact: ArtifactRecord, appOrigin: string, principal?: Principal) {
  return {
    id: artifact.id,
    url: `${appOrigin}/a/${artifact.id}`,
    title: artifact.title,
    project: artifact.project,
    session: artifact.session,
    kind: artifact.kind,
    status: artifact.status,
    createdBy: artifact.createdBy,
    createdAt: new Date(artifact.createdAt).toISOString(),
    updatedAt: new Date(artifact.updatedAt).toISOString(),
    sizeBytes: artifact.sizeBytes,
    ...(principal
      ? { access: { content: contentAccess(principal, artifact), review: reviewAccess(principal, artifact) } }
      : {}),
  };
}

export type ArtifactView = ReturnType<typeof artifactView>;

/** Loads an artifact the principal may see, or throws the same 404 for "missing" and "not yours". */
export async function getVisibleArtifact(services: Services, principal: Principal, id: string): Promise<ArtifactRecord> {
  if (!isArtifactId(id)) throw artifactNotFound();
  const artifact = await services.store.getArtifact(id);
  if (!artifact || !canSeeArtifact(principal, artifact)) throw artifactNotFound();
  return artifact;
}

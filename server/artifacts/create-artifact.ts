import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { canCreateArtifact, mayPublishInOrg } from '../../lib/auth/policy';
import { DEFAULT_ORG_SETTINGS } from '../../lib/store/types';
import type { RequestMeta } from '../audit/audit';
import { docNameFor } from '../../lib/protocol/ids';
import { refreshReview } from '../review/projection';
import { MAX_PAGE_BYTES } from '../../lib/protocol/messages';
import { metaOf, replacePage } from '../../lib/artifact/doc-shape';
import type { Services } from '../services';
import { label, requiredLabel } from '../validation';
import { presentArtifact } from './artifact-view';


/** Unknown fields (org, owner, status…) are ignored: they are never the caller's to set. */
export const CreateArtifactInput = z.object({
  title: requiredLabel(200),
  project: label(200).default(''),
  session: label(200).default(''),
  kind: label(64).default('page'),
  html: z.string().optional(),
});

/**
 * An agent's artifact starts as a draft only its user sees, until a person
 * publishes it. A person's starts published (with the org's default
 * visibility) when their role may publish, else as a draft.
 */
export async function createArtifact(services: Services, principal: Principal, raw: unknown, meta: RequestMeta) {
  if (!canCreateArtifact(principal)) throw new AppError('forbidden', 'This credential may not publish artifacts.');
  const input = CreateArtifactInput.parse(raw);
  if (input.html !== undefined && Buffer.byteLength(input.html) > MAX_PAGE_BYTES) {
    throw new AppError('payload_too_large', `The page is over the limit of ${MAX_PAGE_BYTES} bytes (16 MiB); nothing was stored.`);
  }
  const id = randomUUID();
  const now = services.now();
  // The document is written first: if that fails there is no artifact row pointing at nothing.
  await services.registry.withRoom({ artifactId: id, kind: 'content', docName: docNameFor(id, 'content') }, async (room) => {
    room.applyLocal((doc) => {
      const meta = metaOf(doc);
      meta.set('title', input.title);
      meta.set('kind', input.kind);
      meta.set('project', input.project);
      meta.set('session', input.session);
      if (input.html) replacePage(doc, input.html, 'http');
    }, 'http');
    await room.whenDurable();
  });
  const settings = (await services.store.getOrg(principal.orgId))?.settings ?? DEFAULT_ORG_SETTINGS;
  const published = mayPublishInOrg(principal, settings);
  // The row, its size and the record of its creation commit together.
  const artifact = await services.store.transaction(async (tx) => {
    const artifact = await tx.createArtifact({
      id,
      orgId: principal.orgId,
      createdBy: principal.userId,
      title: input.title,
      project: input.project,
      session: input.session,
      kind: input.kind,
      status: published ? 'published' : 'draft',
      visibility: settings.defaultVisibility,
      publishedAt: published ? now : null,
      publishedBy: published ? principal.userId : null,
      createdAt: now,
    });
    if (input.html) {
      const sizeBytes = Buffer.byteLength(input.html);
      await tx.touchArtifact(id, { updatedAt: now, sizeBytes });
      artifact.sizeBytes = sizeBytes;
    }
    const details = { status: artifact.status, project: input.project, session: input.session, kind: input.kind };
    await services.audit.artifactEvent(principal, 'artifact.create', { id, title: input.title }, meta, details, tx);
    return artifact;
  });
  // The review room starts with its (empty) projection, so a reader's first visit writes nothing.
  await refreshReview(services, artifact);
  return presentArtifact(services, principal, artifact);
}

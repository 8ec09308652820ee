import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { canExportArtifact } from '../../lib/auth/policy';
import { htmlOf, metaOf } from '../../lib/artifact/doc-shape';
import { docNameFor } from '../../lib/protocol/ids';
import { buildZip } from '../../lib/zip';
import { toBoundedJson } from '../collab/doc-json';
import type { RequestMeta } from '../audit/audit';
import { getVisibleArtifact, presentArtifact } from '../artifacts/artifact-view';
import type { Services } from '../services';
import { readVersionPage, versionView } from '../versions/versions';

/**
 * A compliance export of one artifact: a ZIP holding `artifact.json` (the
 * record, who could see it, the review layer: threads and statuses, and
 * the version list) and `page.html` (plus `versions/<n>.html` once versions
 * exist). Admins only; every export is audited.
 */
export async function exportArtifact(services: Services, principal: Principal, id: string, meta: RequestMeta) {
  const artifact = await getVisibleArtifact(services, principal, id);
  if (!canExportArtifact(principal, artifact)) throw new AppError('forbidden', 'Only admins can export artifacts.');
  const room = (kind: 'content' | 'review' | 'notes') => ({ artifactId: id, kind, docName: docNameFor(id, kind) });
  const { html, meta: docMeta } = await services.registry.withRoom(room('content'), async (content) => {
    await content.upToDate();
    return { html: htmlOf(content.doc).toString(), meta: toBoundedJson(metaOf(content.doc)) };
  });
  const rootsOf = (kind: 'review' | 'notes') =>
    services.registry.withRoom(room(kind), async (live) => {
      await live.upToDate();
      const doc = live.doc;
      return Object.fromEntries(Array.from(doc.share.keys()).map((key) => [key, toBoundedJson(doc.share.get(key))]));
    });
  const review = await rootsOf('review');
  const notes = await rootsOf('notes');
  const versions = (await services.store.listVersions(id)).reverse();
  const exportedAt = new Date(services.now()).toISOString();
  const manifest = {
    format: 'loupe-artifact-export/1',
    exportedAt,
    exportedBy: { id: principal.userId, name: principal.name },
    artifact: await presentArtifact(services, principal, artifact),
    meta: docMeta,
    review,
    notes,
    versions: versions.map(versionView),
    files: { page: 'page.html', versions: versions.map((v) => `versions/${v.n}.html`) },
  };
  const versionFiles = [];
  for (const version of versions) {
    versionFiles.push({ name: `versions/${version.n}.html`, data: (await readVersionPage(services, id, version.n)) ?? '' });
  }
  const zip = buildZip(
    [
      { name: 'artifact.json', data: JSON.stringify(manifest, null, 2) },
      { name: 'page.html', data: html },
      ...versionFiles,
    ],
    new Date(services.now()),
  );
  await services.audit.artifactEvent(principal, 'artifact.export', artifact, meta, { bytes: zip.byteLength });
  const safeTitle = artifact.title.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'artifact';
  return { zip, filename: `loupe-${safeTitle}-${id.slice(0, 8)}.zip` };
}

import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { isArtifactId } from '../../../../../lib/protocol/ids';
import { ARTIFACT_VISIBILITY_HEADER } from '../../../../../lib/protocol/headers';
import { VersionView } from './version-view';

interface VersionPageProps {
  params: Promise<{ id: string; n: string }>;
}

export const metadata = { title: 'Version · Loupe' };

/**
 * `/a/:id/v/:n`: one version of the artifact, read-only. An unknown artifact
 * is a real 404 (as for `/a/:id`); an unknown version is a not-found panel
 * in the page, with a way back to the live page.
 */
export default async function VersionPage({ params }: VersionPageProps) {
  const { id, n } = await params;
  if (!isArtifactId(id)) notFound();
  if ((await headers()).get(ARTIFACT_VISIBILITY_HEADER) === 'missing') notFound();
  const parsed = /^[1-9][0-9]{0,8}$/.test(n) ? Number(n) : null;
  return <VersionView artifactId={id} initialN={parsed} />;
}

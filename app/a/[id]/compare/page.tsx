import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { isArtifactId } from '../../../../lib/protocol/ids';
import { ARTIFACT_VISIBILITY_HEADER } from '../../../../lib/protocol/headers';
import { CompareView, type CompareMode } from './compare-view';

interface ComparePageProps {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export const metadata = { title: 'Compare versions · Loupe' };

function versionParam(value: string | string[] | undefined): number | null {
  return typeof value === 'string' && /^[1-9][0-9]{0,8}$/.test(value) ? Number(value) : null;
}

/** `/a/:id/compare?from=&to=&mode=source|rendered`: two versions, line by line or side by side. */
export default async function ComparePage({ params, searchParams }: ComparePageProps) {
  const { id } = await params;
  if (!isArtifactId(id)) notFound();
  if ((await headers()).get(ARTIFACT_VISIBILITY_HEADER) === 'missing') notFound();
  const query = await searchParams;
  const mode: CompareMode = query.mode === 'rendered' ? 'rendered' : 'source';
  return <CompareView artifactId={id} initialFrom={versionParam(query.from)} initialTo={versionParam(query.to)} initialMode={mode} />;
}

import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { isArtifactId } from '../../../lib/protocol/ids';
import { ARTIFACT_VISIBILITY_HEADER } from '../../../lib/protocol/headers';
import { LiveView } from './live-view';

interface LivePageProps {
  params: Promise<{ id: string }>;
}

/**
 * `/a/:id`: the artifact, live. An id that cannot exist, or an artifact the
 * server says this viewer may not see, is a real 404 right away.
 */
export default async function LivePage({ params }: LivePageProps) {
  const { id } = await params;
  if (!isArtifactId(id)) notFound();
  if ((await headers()).get(ARTIFACT_VISIBILITY_HEADER) === 'missing') notFound();
  return <LiveView artifactId={id} />;
}

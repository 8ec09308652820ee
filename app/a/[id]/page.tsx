import { notFound } from 'next/navigation';
import { isArtifactId } from '../../../lib/protocol/ids';
import { LiveView } from './_live/live-view';

interface LivePageProps {
  params: Promise<{ id: string }>;
}

/** `/a/:id`: the artifact, live. An id that cannot exist is a real 404 right away. */
export default async function LivePage({ params }: LivePageProps) {
  const { id } = await params;
  if (!isArtifactId(id)) notFound();
  return <LiveView artifactId={id} />;
}

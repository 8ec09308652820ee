import { NotFoundPage } from '../../_components/not-found-page';

export const metadata = { title: 'Artifact not found' };

/** The 404 for `/a/:id`: a malformed id, a missing artifact, or one from another organization. */
export default function ArtifactNotFound() {
  return (
    <NotFoundPage
      title="Artifact not found"
      message="It may have been removed, or it belongs to an organization you are not a member of. Check the link with whoever shared it."
    />
  );
}

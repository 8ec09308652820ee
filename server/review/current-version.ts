import { AppError } from '../../lib/errors';
import type { Services } from '../services';
import type { VersionAuthor } from '../versions/author';
import { cutVersion } from '../versions/versions';

/**
 * The version that holds the page as it stands now: a pending automatic
 * version is cut at once (by whoever wrote it), and an unchanged page
 * returns its latest version. Reviews and "addressed in vN" attach to it.
 */
export async function versionOfCurrentPage(services: Services, artifactId: string, fallback: VersionAuthor): Promise<number> {
  const author = services.versionScheduler.takePending(artifactId) ?? fallback;
  const { version } = await cutVersion(services, { artifactId, author, kind: 'auto', message: '' });
  return version.n;
}

/** The version a review or an "addressed in" names: the one asked for (which must exist), else the page as it stands. */
export async function versionToReview(services: Services, artifactId: string, requested: number | undefined, author: VersionAuthor): Promise<number> {
  if (requested === undefined) return versionOfCurrentPage(services, artifactId, author);
  if (!(await services.store.getVersion(artifactId, requested))) {
    throw new AppError('bad_request', `Version ${requested} does not exist.`, { details: { field: 'version' } });
  }
  return requested;
}

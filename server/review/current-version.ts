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

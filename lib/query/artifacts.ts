import { infiniteQueryOptions, mutationOptions, queryOptions, type QueryClient } from '@tanstack/react-query';
import { fetchJson, sendJson } from './api-client';
import { normalizeFilters, queryKeys, type ArtifactFilters } from './keys';
import { artifactDetailSchema, artifactPageSchema, type ArtifactDetail, type Visibility } from './schemas';

/** Gallery page size; "Load more" fetches the next page by cursor. */
export const ARTIFACT_PAGE_SIZE = 30;
/** Agents publish while reviewers look at the gallery: keep it fresh without a reload. */
export const GALLERY_REFETCH_INTERVAL_MS = 15_000;

export function artifactListPath(filters: ArtifactFilters, cursor: string | null): string {
  const params = new URLSearchParams({ limit: String(ARTIFACT_PAGE_SIZE) });
  for (const [key, value] of Object.entries(normalizeFilters(filters))) params.set(key, value);
  if (cursor) params.set('cursor', cursor);
  return `/api/v1/artifacts?${params.toString()}`;
}

/** The organization's artifacts, newest first, page by page. */
export function artifactListQueryOptions(filters: ArtifactFilters) {
  return infiniteQueryOptions({
    queryKey: queryKeys.artifacts.list(filters),
    queryFn: ({ pageParam, signal }) => fetchJson(artifactListPath(filters, pageParam), artifactPageSchema, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.nextCursor,
    refetchInterval: GALLERY_REFETCH_INTERVAL_MS,
  });
}

export function artifactQueryOptions(id: string) {
  return queryOptions({
    queryKey: queryKeys.artifacts.detail(id),
    queryFn: ({ signal }) => fetchJson(artifactPath(id), artifactDetailSchema, signal),
  });
}

function artifactPath(id: string, rest = ''): string {
  return `/api/v1/artifacts/${encodeURIComponent(id)}${rest}`;
}

/** Where an admin downloads the artifact's record, versions and review threads (a plain link: the browser saves the zip). */
export function artifactExportPath(id: string): string {
  return artifactPath(id, '/export');
}

/** Who may see a published artifact: the whole organization, or the creator, admins and these members. */
export interface AccessInput {
  visibility: Visibility;
  members: string[];
}

/**
 * Every governance mutation answers the updated Artifact: put it in the
 * detail cache at once, then refetch lists (status, chips and filters changed)
 * and the audit log (a new entry) in the background.
 */
function afterChange(client: QueryClient, artifact: ArtifactDetail): void {
  client.setQueryData(queryKeys.artifacts.detail(artifact.id), artifact);
  void client.invalidateQueries({ queryKey: queryKeys.artifacts.all });
  void client.invalidateQueries({ queryKey: queryKeys.audit.all });
}

/** Publishes a draft to the organization or to named members. */
export function publishArtifactMutationOptions(id: string) {
  return mutationOptions({
    mutationKey: ['artifacts', 'publish', id],
    mutationFn: (input: AccessInput) =>
      sendJson('POST', artifactPath(id, '/publish'), input.visibility === 'org' ? { visibility: 'org' } : input, artifactDetailSchema),
    onSuccess: (artifact, _input, _result, context) => afterChange(context.client, artifact),
  });
}

/** Asks the organization's admins to publish this draft (when only admins may publish). */
export function requestPublicationMutationOptions(id: string) {
  return mutationOptions({
    mutationKey: ['artifacts', 'request-publication', id],
    mutationFn: () => sendJson('POST', artifactPath(id, '/request-publication'), {}, artifactDetailSchema),
    onSuccess: (artifact, _input, _result, context) => afterChange(context.client, artifact),
  });
}

/** Changes who may see a published artifact. */
export function changeAccessMutationOptions(id: string) {
  return mutationOptions({
    mutationKey: ['artifacts', 'access', id],
    mutationFn: (input: AccessInput) =>
      sendJson('PUT', artifactPath(id, '/access'), { visibility: input.visibility, members: input.visibility === 'org' ? [] : input.members }, artifactDetailSchema),
    onSuccess: (artifact, _input, _result, context) => afterChange(context.client, artifact),
  });
}

/** Puts the artifact on legal hold (retention never purges it) or lifts the hold. */
export function legalHoldMutationOptions(id: string) {
  return mutationOptions({
    mutationKey: ['artifacts', 'legal-hold', id],
    mutationFn: (hold: boolean) => sendJson('PUT', artifactPath(id, '/legal-hold'), { hold }, artifactDetailSchema),
    onSuccess: (artifact, _input, _result, context) => afterChange(context.client, artifact),
  });
}

import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { fetchJson } from './api-client';
import { normalizeFilters, queryKeys, type ArtifactFilters } from './keys';
import { artifactDetailSchema, artifactPageSchema } from './schemas';

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
    queryFn: ({ signal }) => fetchJson(`/api/v1/artifacts/${encodeURIComponent(id)}`, artifactDetailSchema, signal),
  });
}

/**
 * Every query key in one place, built as arrays from general to specific so
 * `invalidateQueries({ queryKey: queryKeys.artifacts.all })` reaches them all.
 */
export interface ArtifactFilters {
  q?: string;
  project?: string;
  session?: string;
  kind?: string;
}

export const queryKeys = {
  me: ['me'] as const,
  artifacts: {
    all: ['artifacts'] as const,
    list: (filters: ArtifactFilters) => ['artifacts', 'list', normalizeFilters(filters)] as const,
    detail: (id: string) => ['artifacts', 'detail', id] as const,
  },
};

/** Drops empty filters so `{ q: '' }` and `{}` share a cache entry. */
export function normalizeFilters(filters: ArtifactFilters): ArtifactFilters {
  const out: ArtifactFilters = {};
  for (const key of ['q', 'project', 'session', 'kind'] as const) {
    const value = filters[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

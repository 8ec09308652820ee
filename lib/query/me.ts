import { queryOptions } from '@tanstack/react-query';
import { fetchJson } from './api-client';
import { queryKeys } from './keys';
import { meSchema } from './schemas';

/** Who is signed in, their organization, and where artifact frames live. Rarely changes. */
export function meQueryOptions() {
  return queryOptions({
    queryKey: queryKeys.me,
    queryFn: ({ signal }) => fetchJson('/api/v1/me', meSchema, signal),
    staleTime: 5 * 60_000,
  });
}

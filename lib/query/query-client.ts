import { QueryCache, QueryClient } from '@tanstack/react-query';
import { isApiError } from './api-client';

/** Statuses that another attempt cannot fix. */
const FINAL_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404, 413]);
const MAX_RETRIES = 2;

/**
 * The browser's QueryClient. A 401 means the session ended (signed out
 * elsewhere, or revoked): send the reader to sign in and back here after.
 */
export function createQueryClient(onUnauthorized: () => void): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => {
        if (isApiError(error) && error.status === 401) onUnauthorized();
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: true,
        retry: (failureCount, error) => !(isApiError(error) && FINAL_STATUSES.has(error.status)) && failureCount < MAX_RETRIES,
      },
    },
  });
}

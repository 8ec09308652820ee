'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import type { StatusFilter } from './status-filter';

/** Typing settles for this long before the list is re-queried. */
const SEARCH_DEBOUNCE_MS = 250;


function galleryUrl(pathname: string, query: string, status: StatusFilter): string {
  const params = new URLSearchParams();
  if (query) params.set('q', query);
  if (status !== 'all') params.set('status', status);
  const search = params.toString();
  return search ? `${pathname}?${search}` : pathname;
}

/**
 * The gallery's filters: the search box's text and the query actually in
 * effect (debounced), and the status filter (applied at once). Both are
 * mirrored into the URL (`?q=…&status=draft`) so a filtered view can be
 * shared and survives a reload.
 */
export function useSearchQuery(initialQuery: string, initialStatus: StatusFilter = 'all') {
  const router = useRouter();
  const pathname = usePathname();
  const [input, setInput] = useState(initialQuery);
  const [query, setQuery] = useState(initialQuery.trim());
  const [status, setStatusState] = useState<StatusFilter>(initialStatus);

  useEffect(() => {
    const next = input.trim();
    if (next === query) return;
    const timer = window.setTimeout(() => {
      setQuery(next);
      router.replace(galleryUrl(pathname, next, status), { scroll: false });
    }, SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [input, query, status, pathname, router]);

  const setStatus = useCallback(
    (next: StatusFilter) => {
      setStatusState(next);
      router.replace(galleryUrl(pathname, query, next), { scroll: false });
    },
    [pathname, query, router],
  );

  return { input, setInput, query, status, setStatus };
}

'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

/** Typing settles for this long before the list is re-queried. */
const SEARCH_DEBOUNCE_MS = 250;

/**
 * The search box's text and the query actually in effect (debounced). The
 * query is mirrored into `?q=` so a search can be shared and survives reload.
 */
export function useSearchQuery(initialQuery: string) {
  const router = useRouter();
  const pathname = usePathname();
  const [input, setInput] = useState(initialQuery);
  const [query, setQuery] = useState(initialQuery.trim());

  useEffect(() => {
    const next = input.trim();
    if (next === query) return;
    const timer = window.setTimeout(() => {
      setQuery(next);
      router.replace(next ? `${pathname}?q=${encodeURIComponent(next)}` : pathname, { scroll: false });
    }, SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [input, query, pathname, router]);

  return { input, setInput, query };
}

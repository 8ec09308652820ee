/** The gallery's status filter, as `?status=` spells it ('all' is no parameter). Shared by the page (server) and the gallery. */
export type StatusFilter = 'all' | 'draft' | 'published';

export function parseStatusFilter(value: unknown): StatusFilter {
  return value === 'draft' || value === 'published' ? value : 'all';
}

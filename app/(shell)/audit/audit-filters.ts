import type { AuditFilters } from '../../../lib/query/keys';

/**
 * The audit page's filters as the URL carries them. `from` and `to` are the
 * datetime-local fields' values ("2026-11-23T14:05"), read as UTC; `to`
 * includes the whole minute it names.
 */
export interface AuditUrlFilters {
  actor: string;
  action: string;
  artifact: string;
  from: string;
  to: string;
}

export const EMPTY_FILTERS: AuditUrlFilters = { actor: '', action: '', artifact: '', from: '', to: '' };

const LOCAL_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

function clip(value: string | null | undefined, max: number): string {
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

/** Reads the filters through `get` (URLSearchParams' or a page's searchParams); anything malformed reads as no filter. */
export function readUrlFilters(get: (key: string) => string | null | undefined): AuditUrlFilters {
  const time = (key: string) => {
    const value = clip(get(key), 19);
    return LOCAL_TIME_RE.test(value) ? value : '';
  };
  return {
    actor: clip(get('actor'), 100),
    action: clip(get('action'), 64),
    artifact: clip(get('artifact'), 100),
    from: time('from'),
    to: time('to'),
  };
}

export function filtersToSearch(filters: AuditUrlFilters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  const search = params.toString();
  return search ? `?${search}` : '';
}

export function hasFilters(filters: AuditUrlFilters): boolean {
  return Object.values(filters).some(Boolean);
}

/** "2026-11-23T14:05" (UTC) → ISO; `endOfMinute` moves to the first instant after it (the API's `to` is exclusive). */
function localToIso(value: string, endOfMinute: boolean): string | undefined {
  if (!LOCAL_TIME_RE.test(value)) return undefined;
  const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  if (!Number.isFinite(ms)) return undefined;
  return new Date(endOfMinute ? ms + (value.length === 16 ? 60_000 : 1_000) : ms).toISOString();
}

/** What `GET /api/v1/audit` and the export links are asked for. */
export function toApiFilters(filters: AuditUrlFilters): AuditFilters {
  return {
    actor: filters.actor || undefined,
    action: filters.action || undefined,
    artifact: filters.artifact || undefined,
    from: filters.from ? localToIso(filters.from, false) : undefined,
    to: filters.to ? localToIso(filters.to, true) : undefined,
  };
}

import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { fetchJson } from './api-client';
import { queryKeys, type AuditFilters } from './keys';

/**
 * The organization's audit log (`/api/v1/audit`, admins only): entries newest
 * first by cursor, the chain check, and the export links.
 */

export const auditActorKindSchema = z.enum(['user', 'agent', 'system', 'anonymous']);
export type AuditActorKind = z.infer<typeof auditActorKindSchema>;

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  action: z.string(),
  actor: z.object({ kind: auditActorKindSchema, id: z.string().nullable(), name: z.string() }),
  artifactId: z.string().nullable(),
  target: z.object({ type: z.string(), id: z.string().nullable(), label: z.string().nullable() }).nullable(),
  details: z.record(z.string(), z.unknown()).catch({}),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = z.object({
  items: z.array(auditEntrySchema),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

export const auditVerdictSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), entries: z.number(), headHash: z.string() }),
  z.object({ ok: z.literal(false), entries: z.number(), brokenAt: z.number(), reason: z.string() }),
]);
export type AuditVerdict = z.infer<typeof auditVerdictSchema>;

/** Entries per "Load more". */
export const AUDIT_PAGE_SIZE = 50;

const FILTER_KEYS = ['actor', 'action', 'artifact', 'from', 'to'] as const;

/** Drops empty filters so `{ actor: '' }` and `{}` share a cache entry and a URL. */
export function normalizeAuditFilters(filters: AuditFilters): AuditFilters {
  const out: AuditFilters = {};
  for (const key of FILTER_KEYS) {
    const value = filters[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

function filterParams(filters: AuditFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(normalizeAuditFilters(filters))) params.set(key, value);
  return params;
}

export function auditListPath(filters: AuditFilters, cursor: string | null): string {
  const params = filterParams(filters);
  params.set('limit', String(AUDIT_PAGE_SIZE));
  if (cursor) params.set('cursor', cursor);
  return `/api/v1/audit?${params.toString()}`;
}

/** The download link for the filtered log, oldest first (the JSON one carries what `loupe audit verify` needs). */
export function auditExportPath(format: 'csv' | 'json', filters: AuditFilters): string {
  const params = new URLSearchParams({ format });
  for (const [key, value] of filterParams(filters)) params.set(key, value);
  return `/api/v1/audit/export?${params.toString()}`;
}

export function auditListQueryOptions(filters: AuditFilters) {
  const normalized = normalizeAuditFilters(filters);
  return infiniteQueryOptions({
    queryKey: queryKeys.audit.list(normalized),
    queryFn: ({ pageParam, signal }) => fetchJson(auditListPath(normalized, pageParam), auditPageSchema, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.nextCursor,
  });
}

/** Walks the whole chain on the server: worth a minute of cache. */
export function auditVerifyQueryOptions() {
  return queryOptions({
    queryKey: queryKeys.audit.verify,
    queryFn: ({ signal }) => fetchJson('/api/v1/audit/verify', auditVerdictSchema, signal),
    staleTime: 60_000,
  });
}

import { mutationOptions, queryOptions, type QueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { ApiError, fetchJson, sendJson } from './api-client';
import { queryKeys } from './keys';
import { httpUrlOrNull } from '../http-url';
import { apiErrorBodySchema } from './schemas';

/**
 * An artifact's versions (docs/API.md, "Versions"): the page as it stood at a
 * moment, with who, when and why. Cut by a checkpoint (named), when writes go
 * quiet (auto), or by a restore. History is never rewritten.
 */
export const versionKindSchema = z.enum(['named', 'auto', 'restore']);
export type VersionKind = z.infer<typeof versionKindSchema>;

export const versionSchema = z.object({
  n: z.number().int().positive(),
  kind: versionKindSchema,
  message: z.string().nullish().transform((value) => value ?? ''),
  author: z.object({ kind: z.enum(['user', 'agent']), id: z.string(), name: z.string().nullish().transform((value) => value ?? '') }),
  createdAt: z.string(),
  session: z.string().nullable().default(null),
  commitSha: z.string().nullable().default(null),
  /** Never anything but http(s) here, whatever the server sent: nothing else may become a link. */
  prUrl: z.string().nullable().default(null).transform((value) => httpUrlOrNull(value)),
  sizeBytes: z.number().nonnegative().default(0),
  changeBytes: z.number().nonnegative().default(0),
  restoredFrom: z.number().int().positive().nullable().default(null),
});
export type Version = z.infer<typeof versionSchema>;

export const versionListSchema = z.object({ items: z.array(versionSchema) });

export interface VersionListFilters {
  /** Checkpoints and restores only. */
  named?: boolean;
}

/** Query keys live under the artifact's detail key, so one invalidation reaches them all. */
export const versionKeys = {
  all: (id: string) => ['artifacts', 'detail', id, 'versions'] as const,
  list: (id: string, filters: VersionListFilters) => ['artifacts', 'detail', id, 'versions', 'list', { named: filters.named === true }] as const,
  detail: (id: string, n: number) => ['artifacts', 'detail', id, 'versions', 'one', n] as const,
  content: (id: string, n: number) => ['artifacts', 'detail', id, 'versions', 'content', n] as const,
};

function versionsPath(id: string, rest = ''): string {
  return `/api/v1/artifacts/${encodeURIComponent(id)}/versions${rest}`;
}

/** Newest first. */
export function versionListQueryOptions(id: string, filters: VersionListFilters = {}) {
  return queryOptions({
    queryKey: versionKeys.list(id, filters),
    queryFn: ({ signal }) => fetchJson(versionsPath(id, filters.named ? '?named=1' : ''), versionListSchema, signal).then((body) => body.items),
  });
}

export function versionQueryOptions(id: string, n: number) {
  return queryOptions({
    queryKey: versionKeys.detail(id, n),
    queryFn: ({ signal }) => fetchJson(versionsPath(id, `/${n}`), versionSchema, signal),
    // A version never changes once cut.
    staleTime: Infinity,
  });
}

/** The page as it stood at version `n`, byte for byte (`text/plain`). Errors become ApiError. */
export async function fetchVersionContent(id: string, n: number, signal?: AbortSignal): Promise<string> {
  const response = await fetch(versionsPath(id, `/${n}/content`), {
    credentials: 'same-origin',
    headers: { accept: 'text/plain' },
    cache: 'no-store',
    signal,
  });
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => null);
    const parsed = apiErrorBodySchema.safeParse(body);
    if (parsed.success) throw new ApiError(response.status, parsed.data.error.code, parsed.data.error.message);
    throw new ApiError(response.status, 'http_error', `The server answered ${response.status}.`);
  }
  return response.text();
}

export function versionContentQueryOptions(id: string, n: number) {
  return queryOptions({
    queryKey: versionKeys.content(id, n),
    queryFn: ({ signal }) => fetchVersionContent(id, n, signal),
    staleTime: Infinity,
    // Pages can be megabytes: do not keep many around.
    gcTime: 60_000,
  });
}

function afterVersionChange(client: QueryClient, id: string, version: Version): void {
  client.setQueryData(versionKeys.detail(id, version.n), version);
  void client.invalidateQueries({ queryKey: versionKeys.all(id) });
  void client.invalidateQueries({ queryKey: queryKeys.artifacts.detail(id), exact: true });
  void client.invalidateQueries({ queryKey: queryKeys.audit.all });
}

export interface CheckpointInput {
  message: string;
  session?: string;
  commitSha?: string;
  prUrl?: string;
}

/** Cuts a named version of the page as it stands (200 with the latest one when nothing changed). */
export function checkpointMutationOptions(id: string) {
  return mutationOptions({
    mutationKey: ['artifacts', 'versions', 'checkpoint', id],
    mutationFn: (input: CheckpointInput) => sendJson('POST', versionsPath(id), input, versionSchema),
    onSuccess: (version, _input, _result, context) => afterVersionChange(context.client, id, version),
  });
}

/** Puts the page back as it stood at version `n`: a new version (`kind: 'restore'`), history kept. */
export function restoreVersionMutationOptions(id: string) {
  return mutationOptions({
    mutationKey: ['artifacts', 'versions', 'restore', id],
    mutationFn: (n: number) => sendJson('POST', versionsPath(id, `/${n}/restore`), {}, versionSchema),
    onSuccess: (version, _input, _result, context) => afterVersionChange(context.client, id, version),
  });
}

/** "3 s ago", "5 min ago", "yesterday", or a date: for a timeline entry. */
export function relativeTime(iso: string, now = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return new Date(then).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** "1.2 KB" style, for sizes and change sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

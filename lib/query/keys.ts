/**
 * Every query key in one place, built as arrays from general to specific so
 * `invalidateQueries({ queryKey: queryKeys.artifacts.all })` reaches them all.
 */
export interface ArtifactFilters {
  q?: string;
  project?: string;
  session?: string;
  kind?: string;
  /** Drafts only, or published only; absent means both. */
  status?: 'draft' | 'published';
}

/** The audit log's filters, as they appear in `/audit?…` and `GET /api/v1/audit?…`. */
export interface AuditFilters {
  actor?: string;
  action?: string;
  artifact?: string;
  /** ISO-8601 UTC. */
  from?: string;
  to?: string;
}

export const queryKeys = {
  me: ['me'] as const,
  artifacts: {
    all: ['artifacts'] as const,
    list: (filters: ArtifactFilters) => ['artifacts', 'list', normalizeFilters(filters)] as const,
    detail: (id: string) => ['artifacts', 'detail', id] as const,
  },
  /** The current organization's settings, members and pending invitations. */
  org: {
    all: ['org'] as const,
    settings: ['org', 'settings'] as const,
    members: ['org', 'members'] as const,
    invitations: ['org', 'invitations'] as const,
  },
  tokens: {
    all: ['tokens'] as const,
    /** 'mine': the caller's own tokens; 'org': every token in the org (admins). */
    list: (scope: 'mine' | 'org') => ['tokens', 'list', scope] as const,
  },
  /** An invitation link as its receiver sees it, and whether that receiver is signed in. */
  invitation: {
    detail: (secret: string) => ['invitation', 'detail', secret] as const,
    viewer: ['invitation', 'viewer'] as const,
  },
  audit: {
    all: ['audit'] as const,
    list: (filters: AuditFilters) => ['audit', 'list', filters] as const,
    verify: ['audit', 'verify'] as const,
  },
};

/** Drops empty filters so `{ q: '' }` and `{}` share a cache entry. */
export function normalizeFilters(filters: ArtifactFilters): ArtifactFilters {
  const out: ArtifactFilters = {};
  for (const key of ['q', 'project', 'session', 'kind'] as const) {
    const value = filters[key]?.trim();
    if (value) out[key] = value;
  }
  if (filters.status === 'draft' || filters.status === 'published') out.status = filters.status;
  return out;
}

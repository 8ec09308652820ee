import { mutationOptions, queryOptions, type QueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { fetchJson, sendJson } from './api-client';
import { queryKeys } from './keys';

/** Roles from most to least: owner, admin, member (reads, comments, publishes where allowed), viewer (reads only). */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export const REQUIRED_APPROVALS_MAX = 10;

export const orgSettingsSchema = z.object({
  defaultVisibility: z.enum(['org', 'members']),
  publishRole: z.enum(['member', 'admin']),
  /** null keeps artifacts forever; otherwise 1–3650. */
  retentionDays: z.number().int().nullable(),
  /** Current approvals an artifact needs before it is ready for hand-off (0–10); an open request for changes still blocks. */
  requiredApprovals: z.number().int().min(0).max(REQUIRED_APPROVALS_MAX).default(1),
});
export type OrgSettings = z.infer<typeof orgSettingsSchema>;

export const orgSchema = z.object({ id: z.string(), name: z.string(), settings: orgSettingsSchema });
export type Org = z.infer<typeof orgSchema>;

export type OrgPatch = Partial<Pick<Org, 'name'> & OrgSettings>;

/** Viewers get names only: `email` is then absent. */
export const memberSchema = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string().nullable().optional(),
  role: roleSchema,
  joinedAt: z.string(),
});
export type Member = z.infer<typeof memberSchema>;
export const memberListSchema = z.object({ items: z.array(memberSchema) });

export const pendingInvitationSchema = z.object({
  id: z.string(),
  email: z.string().nullable(),
  role: roleSchema,
  createdAt: z.string(),
  expiresAt: z.string(),
  createdBy: z.object({ id: z.string(), name: z.string() }),
});
export type PendingInvitation = z.infer<typeof pendingInvitationSchema>;
export const pendingInvitationListSchema = z.object({ items: z.array(pendingInvitationSchema) });

/** The answer to creating an invitation: `url` carries the secret and is shown once. */
export const createdInvitationSchema = z.object({
  id: z.string(),
  url: z.string(),
  role: roleSchema,
  email: z.string().nullable().optional(),
  expiresAt: z.string(),
});
export type CreatedInvitation = z.infer<typeof createdInvitationSchema>;

export interface NewInvitation {
  role: Role;
  email?: string;
  /** 1–30; the server defaults to 7. */
  expiresInDays?: number;
}

export const INVITATION_MAX_DAYS = 30;
export const INVITATION_DEFAULT_DAYS = 7;
export const RETENTION_MAX_DAYS = 3650;

// ---- queries ----

export function orgQueryOptions() {
  return queryOptions({
    queryKey: queryKeys.org.settings,
    queryFn: ({ signal }) => fetchJson('/api/v1/org', orgSchema, signal),
  });
}

export function orgMembersQueryOptions() {
  return queryOptions({
    queryKey: queryKeys.org.members,
    queryFn: ({ signal }) => fetchJson('/api/v1/org/members', memberListSchema, signal),
    select: (page) => page.items,
  });
}

/** Pending invitations (admins only; others get 403). */
export function orgInvitationsQueryOptions() {
  return queryOptions({
    queryKey: queryKeys.org.invitations,
    queryFn: ({ signal }) => fetchJson('/api/v1/org/invitations', pendingInvitationListSchema, signal),
    select: (page) => page.items,
  });
}

// ---- mutations ----

export function updateOrg(patch: OrgPatch): Promise<Org> {
  return sendJson('PATCH', '/api/v1/org', patch, orgSchema);
}

export function changeMemberRole(userId: string, role: Role): Promise<void> {
  return sendJson('PATCH', `/api/v1/org/members/${encodeURIComponent(userId)}`, { role });
}

/** Removes a member, or (with your own id) leaves the organization. */
export function removeMember(userId: string): Promise<void> {
  return sendJson('DELETE', `/api/v1/org/members/${encodeURIComponent(userId)}`);
}

export function createInvitation(input: NewInvitation): Promise<CreatedInvitation> {
  return sendJson('POST', '/api/v1/org/invitations', input, createdInvitationSchema);
}

export function revokeInvitation(id: string): Promise<void> {
  return sendJson('DELETE', `/api/v1/org/invitations/${encodeURIComponent(id)}`);
}

/** Saving settings; the org's name also shows in `/me` (header, switcher). */
export function updateOrgMutationOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: updateOrg,
    onSuccess: (org) => {
      queryClient.setQueryData(queryKeys.org.settings, org);
      return queryClient.invalidateQueries({ queryKey: queryKeys.me });
    },
  });
}

export function changeMemberRoleMutationOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) => changeMemberRole(userId, role),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.org.members }),
  });
}

export function removeMemberMutationOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: (userId: string) => removeMember(userId),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.org.members }),
  });
}

export function createInvitationMutationOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: createInvitation,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.org.invitations }),
  });
}

export function revokeInvitationMutationOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: (id: string) => revokeInvitation(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.org.invitations }),
  });
}

import { queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { ApiError, fetchJson, isApiError, sendJson } from './api-client';
import { queryKeys } from './keys';
import { roleSchema } from './org';
import { meSchema, type Me } from './schemas';

/**
 * The receiving side of an invitation link (`/invite/<secret>`): what it
 * invites to, and accepting it. No org membership (or session) is needed.
 */

export const invitationPreviewSchema = z.object({
  org: z.object({ id: z.string(), name: z.string() }),
  role: roleSchema,
  /** Set when the invitation was made for one address; the account form prefills it. */
  email: z.string().nullable().optional(),
  expiresAt: z.string(),
  invitedBy: z.object({ name: z.string() }),
});
export type InvitationPreview = z.infer<typeof invitationPreviewSchema>;

const acceptedSchema = z.object({ orgId: z.string() });
/** `email` is absent when the server found a session after all (signed in, but in no org: `/me` said 401) and joined as that person. */
const acceptedNewAccountSchema = z.object({ orgId: z.string(), email: z.string().optional() });

export interface NewAccount {
  name: string;
  email: string;
  password: string;
}

function invitationPath(secret: string): string {
  return `/api/v1/invitations/${encodeURIComponent(secret)}`;
}

/** 404 (unknown link) and 410 (expired, used, revoked) are answers, not hiccups: no retry. */
export function invitationQueryOptions(secret: string) {
  return queryOptions({
    queryKey: queryKeys.invitation.detail(secret),
    queryFn: ({ signal }) => fetchJson(invitationPath(secret), invitationPreviewSchema, signal),
    retry: (failureCount, error) => !(isApiError(error) && error.status < 500) && failureCount < 2,
    refetchOnWindowFocus: false,
  });
}

/**
 * Who is looking at the link:
 * - `member`: signed in and in some organization (`/me` answered);
 * - `orphan`: signed in but in no organization (`/me` says 401, yet the
 *   sign-in session names someone); accepting then joins as them;
 * - null: not signed in.
 * A 401 is an answer here, so it never reaches the query cache (which would
 * send the reader to sign in).
 */
export type InvitationViewer = { kind: 'member'; me: Me } | { kind: 'orphan'; name: string; email: string | null } | null;

const authSessionSchema = z
  .object({ user: z.object({ name: z.string().nullish(), email: z.string().nullish() }) })
  .nullable()
  .catch(null);

export function invitationViewerQueryOptions() {
  return queryOptions({
    queryKey: queryKeys.invitation.viewer,
    queryFn: async ({ signal }): Promise<InvitationViewer> => {
      try {
        return { kind: 'member', me: await fetchJson('/api/v1/me', meSchema, signal) };
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) throw error;
      }
      const response = await fetch('/api/auth/session', { credentials: 'same-origin', cache: 'no-store', signal }).catch(() => null);
      const session = authSessionSchema.parse(response?.ok ? await response.json().catch(() => null) : null);
      if (!session) return null;
      return { kind: 'orphan', name: session.user.name ?? '', email: session.user.email ?? null };
    },
    retry: false,
    refetchOnWindowFocus: false,
  });
}

/** Signed in: join the invitation's organization. */
export function acceptInvitation(secret: string): Promise<{ orgId: string }> {
  return sendJson('POST', `${invitationPath(secret)}/accept`, {}, acceptedSchema);
}

/** Signed out: create the account and its membership; sign in afterwards. 409 if the email has an account. */
export function acceptInvitationWithNewAccount(secret: string, account: NewAccount): Promise<{ orgId: string; email?: string }> {
  return sendJson('POST', `${invitationPath(secret)}/accept`, account, acceptedNewAccountSchema);
}

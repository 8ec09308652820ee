import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { ApiError, isApiError, sendJson } from './api-client';
import { queryKeys } from './keys';
import { roleSchema } from './org';
import { meSchema, type Me } from './schemas';

/**
 * The signed-in person's own account: display name, password, which
 * organization the session is in (and starting a new one), and ending every
 * session. Reading is `meQueryOptions` (me.ts); these are the writes.
 */

export const PASSWORD_MIN_LENGTH = 10;

export function updateProfile(patch: { name: string }): Promise<Me> {
  return sendJson('PATCH', '/api/v1/me', patch, meSchema);
}

/** 403 `forbidden` when the current password is wrong. */
export function changePassword(input: { currentPassword: string; newPassword: string }): Promise<void> {
  return sendJson('POST', '/api/v1/me/password', input);
}

/** Moves this session to another of the user's organizations (404 if not a member). */
export function switchOrg(orgId: string): Promise<void> {
  return sendJson('POST', '/api/v1/me/org', { orgId });
}

/** The answer to `POST /api/v1/orgs`: the caller is the new organization's owner. */
export const createdOrgSchema = z.object({ id: z.string(), name: z.string(), role: roleSchema });
export type CreatedOrg = z.infer<typeof createdOrgSchema>;

/** Starts an organization with the signed-in person as its owner (the session stays where it is). */
export function createOrg(name: string): Promise<CreatedOrg> {
  return sendJson('POST', '/api/v1/orgs', { name }, createdOrgSchema);
}

/** Revokes every session of the user, this one included. */
export function signOutEverywhere(): Promise<void> {
  return sendJson('POST', '/api/v1/me/sign-out-everywhere');
}

export function updateProfileMutationOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: updateProfile,
    onSuccess: (me) => {
      queryClient.setQueryData(queryKeys.me, me);
      // Your name shows in the member list and on your tokens too.
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.org.members }),
        queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all }),
      ]);
    },
  });
}

export function changePasswordMutationOptions() {
  return mutationOptions({ mutationFn: changePassword });
}

/**
 * Everything cached belongs to the old organization: reset it all (active
 * queries refetch as the new one). The caller then navigates to `/`.
 */
export function switchOrgMutationOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: (orgId: string) => switchOrg(orgId),
    onSuccess: () => queryClient.resetQueries(),
  });
}

/** The error code when the organization was created but the session could not move into it. */
export const SWITCH_FAILED = 'switch_failed';

/**
 * Starts an organization and moves this session into it: everything cached
 * belonged to the old one, so the cache is reset, then `navigate('/')` opens
 * the new (empty) gallery. If the organization was made but the switch
 * failed, the error says so and `/me` is refetched so it shows in the lists.
 */
export function createOrgMutationOptions(queryClient: QueryClient, navigate: (path: '/') => void) {
  return mutationOptions({
    mutationFn: async (name: string) => {
      const org = await createOrg(name);
      try {
        await switchOrg(org.id);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ApiError(isApiError(error) ? error.status : 0, SWITCH_FAILED, `“${org.name}” was created, but switching to it failed: ${reason}`);
      }
      return org;
    },
    onSuccess: async () => {
      await queryClient.resetQueries();
      navigate('/');
    },
    onError: () => queryClient.invalidateQueries({ queryKey: queryKeys.me }),
  });
}

export function signOutEverywhereMutationOptions() {
  return mutationOptions({ mutationFn: signOutEverywhere });
}

import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import { sendJson } from './api-client';
import { queryKeys } from './keys';
import { meSchema, type Me } from './schemas';

/**
 * The signed-in person's own account: display name, password, which
 * organization the session is in, and ending every session. Reading is
 * `meQueryOptions` (me.ts); these are the writes.
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

export function signOutEverywhereMutationOptions() {
  return mutationOptions({ mutationFn: signOutEverywhere });
}

'use server';

import { signOut } from '../../lib/auth/nextauth';
import { safeCallbackPath } from '../../lib/ui/safe-redirect';

/** Ends the session (next-auth revokes its server-side sid too) and goes to sign-in. */
export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: '/signin' });
}

/**
 * Signs out and comes back to one of our own pages (`callbackUrl`, same-origin
 * paths only): an invitation opened in the wrong account offers this, so the
 * person returns to the link signed out and can sign in as the right one.
 */
export async function signOutAndReturnAction(form: FormData): Promise<void> {
  await signOut({ redirectTo: safeCallbackPath(form.get('callbackUrl')) });
}

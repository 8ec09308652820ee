'use server';

import { signOut } from '../../lib/auth/nextauth';

/** Ends the session (next-auth revokes its server-side sid too) and goes to sign-in. */
export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: '/signin' });
}

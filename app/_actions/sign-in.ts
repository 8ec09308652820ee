'use server';

import { AuthError } from 'next-auth';
import { signIn } from '../../lib/auth/nextauth';
import { safeCallbackPath } from '../../lib/ui/safe-redirect';

export interface SignInState {
  error: string | null;
  email: string;
}

const MAX_FIELD_LENGTH = 1024;

/**
 * The sign-in form's server action. On success next-auth sets the session
 * cookie and redirects (by throwing Next's redirect, which must propagate);
 * on bad credentials it throws CredentialsSignin, which becomes a message.
 */
export async function signInAction(_previous: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get('email') ?? '').trim().slice(0, MAX_FIELD_LENGTH);
  const password = String(form.get('password') ?? '').slice(0, MAX_FIELD_LENGTH);
  const redirectTo = safeCallbackPath(form.get('callbackUrl'));
  if (!email || !password) return { error: 'Enter your email and password.', email };
  try {
    await signIn('credentials', { email, password, redirectTo });
  } catch (error) {
    if (error instanceof AuthError) {
      const limited = /^rate_limited_(\d+)$/.exec((error as { code?: string }).code ?? '');
      const message = limited
        ? `Too many sign-in attempts. Try again in ${formatWait(Number(limited[1]))}.`
        : error.type === 'CredentialsSignin'
          ? 'That email and password don’t match an account. Check them and try again.'
          : 'Sign-in didn’t work this time. Try again in a moment.';
      return { error: message, email };
    }
    throw error;
  }
  return { error: null, email };
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, seconds)} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? 'a minute' : `${minutes} minutes`;
}

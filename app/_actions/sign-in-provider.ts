'use server';

import { signIn } from '../../lib/auth/nextauth';
import { safeCallbackPath } from '../../lib/ui/safe-redirect';

const PROVIDERS = new Set(['oidc', 'github']);

/** Starts a single-sign-on flow; next-auth redirects to the provider (by throwing Next's redirect). */
export async function signInWithProviderAction(form: FormData): Promise<void> {
  const provider = String(form.get('provider') ?? '');
  if (!PROVIDERS.has(provider)) return;
  await signIn(provider, { redirectTo: safeCallbackPath(form.get('callbackUrl')) });
}

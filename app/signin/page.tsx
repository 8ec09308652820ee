import type { Metadata } from 'next';
import { LoupeMark } from '../_components/icons';
import { ThemeToggle } from '../_components/theme-toggle';
import { safeCallbackPath } from '../../lib/ui/safe-redirect';
import { SignInForm } from './sign-in-form';
import { externalProviders } from '../../lib/auth/nextauth';
import { signInWithProviderAction } from '../_actions/sign-in-provider';
import styles from './signin.module.css';

export const metadata: Metadata = { title: 'Sign in' };

interface SignInPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** next-auth's own error redirects (`?error=CredentialsSignin`) land here too. */
function messageForAuthError(code: string | undefined): string | null {
  if (!code) return null;
  if (code === 'CredentialsSignin') return 'That email and password don’t match an account. Check them and try again.';
  if (code === 'AccessDenied') return 'Your identity provider did not share a verified email address, so Loupe cannot match you to an account.';
  return 'Sign-in didn’t work this time. Try again in a moment.';
}

export default async function SignInPage({ searchParams }: SignInPageProps) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(typeof params.callbackUrl === 'string' ? params.callbackUrl : '/');
  const initialError = messageForAuthError(typeof params.error === 'string' ? params.error : undefined);
  const providers = externalProviders();
  return (
    <div className={styles.screen}>
      <div className={styles.corner}>
        <ThemeToggle />
      </div>
      <main id="main" tabIndex={-1} className={styles.main}>
        <div className={styles.card}>
          <div className={styles.mark}>
            <LoupeMark size={40} />
          </div>
          <h1 className={styles.title}>Sign in to Loupe</h1>
          <p className={styles.lede}>Watch the pages your agents publish, live.</p>
          {providers.length > 0 ? (
            <>
              <div className={styles.providers}>
                {providers.map((provider) => (
                  <form key={provider.id} action={signInWithProviderAction}>
                    <input type="hidden" name="provider" value={provider.id} />
                    <input type="hidden" name="callbackUrl" value={callbackUrl} />
                    <button type="submit" className={`button ${styles.provider}`}>
                      Continue with {provider.name}
                    </button>
                  </form>
                ))}
              </div>
              <p className={styles.divider}>
                <span>or with email</span>
              </p>
            </>
          ) : null}
          <SignInForm callbackUrl={callbackUrl} initialError={initialError} />
        </div>
        <p className={styles.hint}>
          First time here? <code>npm start</code> printed the admin sign‑in when it created your organization.
        </p>
      </main>
    </div>
  );
}

import NextAuth, { CredentialsSignin } from 'next-auth';
import type { Provider } from 'next-auth/providers';
import Credentials from 'next-auth/providers/credentials';
import GitHub from 'next-auth/providers/github';
import { headers } from 'next/headers';
import { CLIENT_IP_HEADER } from '../protocol/headers';
import { isVerifiedGithubEmail } from './github-email';
import { getAuthRuntime, type SignInOrigin } from '../runtime';

/** Thrown by `authorize` when sign-ins from this address or for this account are over the limit. */
export class SignInRateLimited extends CredentialsSignin {
  constructor(retryAfterSeconds: number) {
    super();
    // The code travels to the form (and into the redirect URL): a number, nothing sensitive.
    this.code = `rate_limited_${retryAfterSeconds}`;
  }
}

/** The header the server sets (it overwrites any the client sent). */
function originFrom(get: (name: string) => string | null): SignInOrigin {
  return { ip: get(CLIENT_IP_HEADER) || null, userAgent: get('user-agent')?.slice(0, 300) ?? null };
}

async function currentOrigin(): Promise<SignInOrigin> {
  try {
    const h = await headers();
    return originFrom((name) => h.get(name));
  } catch {
    // Outside a request scope there is no origin to record.
    return { ip: null, userAgent: null };
  }
}

/**
 * next-auth issues the browser session (a JWT cookie carrying our own
 * session id, `sid`). The server checks that sid against storage on every
 * request and socket, so signing out or removing a member takes effect at
 * once rather than when the JWT expires.
 *
 * Email + password is always on. A generic OpenID Connect provider and
 * GitHub are added when configured (OIDC_* and GITHUB_* variables); their
 * users are matched to Loupe accounts by verified email.
 */
export const { handlers, signIn, signOut } = NextAuth(() => {
  const runtime = getAuthRuntime();
  const providers: Provider[] = [
    Credentials({
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      authorize: async (credentials, request) => {
        const email = typeof credentials?.email === 'string' ? credentials.email : '';
        const password = typeof credentials?.password === 'string' ? credentials.password : '';
        if (!email || !password || password.length > 1024 || email.length > 320) return null;
        const result = await runtime.authenticate(email, password, originFrom((name) => request.headers.get(name)));
        if (result.ok) return result.user;
        if (result.reason === 'rate_limited') throw new SignInRateLimited(result.retryAfterSeconds);
        return null;
      },
    }),
  ];
  if (runtime.oidc) {
    providers.push({
      id: 'oidc',
      name: runtime.oidc.name,
      type: 'oidc',
      issuer: runtime.oidc.issuer,
      clientId: runtime.oidc.clientId,
      clientSecret: runtime.oidc.clientSecret,
      authorization: { params: { scope: 'openid email profile' } },
      // PKCE, plus state against login CSRF and a nonce binding the ID token to this sign-in.
      checks: ['pkce', 'state', 'nonce'],
    });
  }
  if (runtime.github) providers.push(GitHub({ clientId: runtime.github.clientId, clientSecret: runtime.github.clientSecret }));

  return {
    // A key ring: the first key encrypts new session cookies, every key decrypts (rotation signs nobody out).
    secret: runtime.authSecrets,
    trustHost: true,
    session: { strategy: 'jwt', maxAge: 30 * 24 * 3600 },
    pages: { signIn: '/signin', error: '/signin' },
    providers,
    callbacks: {
      signIn: async ({ account, profile, user }) => {
        if (!account || account.provider === 'credentials') return true;
        // Accounts are matched by email, so the provider must vouch for it.
        if (!user.email) return false;
        if (account.provider === 'oidc' && profile?.email_verified === false) return false;
        // GitHub's profile may carry an unverified primary address: ask GitHub which ones it verified.
        if (account.provider === 'github') return isVerifiedGithubEmail(account.access_token, user.email);
        return true;
      },
      jwt: async ({ token, user, account }) => {
        if (user && account) {
          const provider = account.provider;
          const id =
            provider === 'credentials'
              ? user.id
              : (await runtime.linkExternalAccount({ email: user.email ?? '', name: user.name ?? null, provider })).id;
          if (!id) return token;
          token.sid = await runtime.createSession(id, await currentOrigin(), provider);
          token.uid = id;
        }
        return token;
      },
      session: ({ session, token }) => {
        if (typeof token.uid === 'string') session.user.id = token.uid;
        return session;
      },
    },
    events: {
      signOut: async (message) => {
        const sid = 'token' in message ? message.token?.sid : undefined;
        if (typeof sid === 'string') await runtime.revokeSession(sid);
      },
    },
  };
});

/** The external providers configured, for the sign-in page's buttons. */
export function externalProviders(): Array<{ id: string; name: string }> {
  const runtime = getAuthRuntime();
  const list: Array<{ id: string; name: string }> = [];
  if (runtime.oidc) list.push({ id: 'oidc', name: runtime.oidc.name });
  if (runtime.github) list.push({ id: 'github', name: 'GitHub' });
  return list;
}

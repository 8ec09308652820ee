/**
 * The bridge between the Node process and code that Next.js bundles
 * separately (the next-auth route). The server registers the functions at
 * start; the bundle finds them on globalThis. Only functions cross it.
 */
export interface AuthUser {
  id: string;
  name: string;
  email: string;
}

/** Where a sign-in came from (the server sets the address header; clients cannot). */
export interface SignInOrigin {
  ip: string | null;
  userAgent: string | null;
}

export type AuthenticateResult =
  | { ok: true; user: AuthUser }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

export interface AuthRuntime {
  /** Checks email + password (same timing for unknown users), rate-limited and audited. */
  authenticate(email: string, password: string, from: SignInOrigin): Promise<AuthenticateResult>;
  /** The Loupe account for someone an identity provider vouched for (by verified email), created on first sign-in. */
  linkExternalAccount(profile: { email: string; name: string | null; provider: string }): Promise<AuthUser>;
  /** Starts a server-side session for a signed-in user (audited); its id goes into the JWT. */
  createSession(userId: string, from: SignInOrigin, provider: string): Promise<string>;
  revokeSession(sessionId: string): Promise<void>;
  /** The signing key ring for next-auth: the first encrypts new session cookies, every one decrypts. */
  authSecrets: string[];
  oidc: { issuer: string; clientId: string; clientSecret: string; name: string } | null;
  github: { clientId: string; clientSecret: string } | null;
}

const KEY = Symbol.for('loupe.authRuntime');
type Holder = { [KEY]?: AuthRuntime };

export function setAuthRuntime(runtime: AuthRuntime): void {
  (globalThis as Holder)[KEY] = runtime;
}

export function getAuthRuntime(): AuthRuntime {
  const runtime = (globalThis as Holder)[KEY];
  if (!runtime) throw new Error('Loupe auth runtime is not registered (start Loupe with `npm start`, not `next start`).');
  return runtime;
}

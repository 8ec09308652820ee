/**
 * The bridge between the Node process and code that Next.js bundles
 * separately (the next-auth route). The server registers the functions at
 * start; the bundle finds them on globalThis. Only functions cross it.
 */
export interface AuthRuntime {
  /** Checks email + password; null on any failure (same timing for unknown users). */
  authenticate(email: string, password: string, from: string | null): Promise<{ id: string; name: string; email: string } | null>;
  /** Starts a server-side session for a signed-in user; its id goes into the JWT. */
  createSession(userId: string): Promise<string>;
  revokeSession(sessionId: string): Promise<void>;
  authSecret: string;
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

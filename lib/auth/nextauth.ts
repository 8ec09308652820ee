import NextAuth from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { getAuthRuntime } from '../runtime';

/**
 * next-auth issues the browser session (a JWT cookie carrying our own
 * session id, `sid`). The server checks that sid against storage on every
 * request and socket, so signing out or removing a member takes effect at
 * once rather than when the JWT expires.
 */
export const { handlers, signIn, signOut } = NextAuth(() => {
  const runtime = getAuthRuntime();
  return {
    secret: runtime.authSecret,
    trustHost: true,
    session: { strategy: 'jwt', maxAge: 30 * 24 * 3600 },
    pages: { signIn: '/signin' },
    providers: [
      Credentials({
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        authorize: async (credentials) => {
          const email = typeof credentials?.email === 'string' ? credentials.email : '';
          const password = typeof credentials?.password === 'string' ? credentials.password : '';
          if (!email || !password || password.length > 1024) return null;
          return runtime.authenticate(email, password, null);
        },
      }),
    ],
    callbacks: {
      jwt: async ({ token, user }) => {
        if (user?.id) {
          token.sid = await runtime.createSession(user.id);
          token.uid = user.id;
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

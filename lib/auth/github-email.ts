import { z } from 'zod';
import { sameEmail } from './email';

/**
 * Whether GitHub has verified this address for the signed-in GitHub user.
 *
 * Loupe matches people to accounts by email (and an invitation made for an
 * address binds to the account with it), so an address nobody proved they
 * own must never sign anyone in. next-auth's GitHub provider falls back to
 * the user's *primary* address from `/user/emails` when the profile has no
 * public one, without looking at `verified`: a fresh GitHub account
 * registered with someone else's address would otherwise sign in as them.
 */
const EmailsSchema = z.array(z.object({ email: z.string(), verified: z.boolean() }).loose()).max(1000);

export const GITHUB_API = 'https://api.github.com';
const TIMEOUT_MS = 10_000;

export async function isVerifiedGithubEmail(accessToken: string | undefined, email: string, apiBase: string = GITHUB_API): Promise<boolean> {
  if (!accessToken || !email) return false;
  let listed: unknown;
  try {
    const response = await fetch(`${apiBase}/user/emails`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github+json', 'user-agent': 'loupe' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) return false;
    listed = await response.json();
  } catch {
    // GitHub unreachable, too slow, or answering something that is not JSON: it vouched for
    // nothing, so this sign-in is refused (next-auth shows its access-denied message).
    return false;
  }
  const emails = EmailsSchema.safeParse(listed);
  return emails.success && emails.data.some((entry) => entry.verified && sameEmail(entry.email, email));
}

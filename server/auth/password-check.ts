import { dummyPasswordHash, verifyPassword } from '../../lib/auth/passwords';
import { takeAll, type Limits } from '../limits/rate-limiter';

export type PasswordCheckResult = { ok: true } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'rate_limited'; retryAfterMs: number };

/**
 * Every check of a person's password, whatever the door (sign-in, the
 * current password on a password change), draws on one budget per address
 * and per account: take first, check, give back on success. Taking before
 * the scrypt (not looking, checking, then taking) is what keeps parallel
 * attempts to the bucket's capacity.
 *
 * `passwordHash` null (unknown account, or one that signs in only through
 * an identity provider) still costs a full scrypt, so a miss takes as long
 * as a hit.
 */
export async function checkPassword(
  limits: Pick<Limits, 'signInByIp' | 'signInByEmail'>,
  who: { email: string; ip: string | null },
  password: string,
  passwordHash: string | null,
): Promise<PasswordCheckResult> {
  const taken = await takeAll([
    { limiter: limits.signInByIp, key: `ip:${who.ip ?? 'unknown'}` },
    { limiter: limits.signInByEmail, key: `email:${who.email}` },
  ]);
  if (!taken.ok) return { ok: false, reason: 'rate_limited', retryAfterMs: taken.retryAfterMs };
  const ok = await verifyPassword(password, passwordHash ?? (await dummyPasswordHash()));
  if (!ok || passwordHash === null) return { ok: false, reason: 'invalid' };
  await taken.refund();
  return { ok: true };
}

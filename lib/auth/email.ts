/**
 * How an email address is keyed: accounts are stored, looked up and compared
 * by this form (trimmed, lower-cased), so "Ada@Example.com " and
 * "ada@example.com" are one person everywhere: sign-in, identity-provider
 * linking, and the address an invitation is bound to.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Whether two addresses name the same account. */
export function sameEmail(a: string, b: string): boolean {
  return normalizeEmail(a) === normalizeEmail(b);
}

/**
 * Where to go after signing in. Only same-origin paths are allowed: an
 * attacker's `?callbackUrl=https://evil.example` or `//evil.example` must
 * land on the gallery instead.
 */
export function safeCallbackPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f]/.test(value)) return '/';
  if (value.startsWith('/signin')) return '/';
  return value;
}

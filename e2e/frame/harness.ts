import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildAppFrameSrcDirective, buildSandboxHeaders } from '../../lib/sandbox/csp';
import { loadFrameProgram, renderFrameHtml } from '../../lib/sandbox/frame-html';

/**
 * Two loopback servers standing in for the real ones: a sandbox origin on
 * 127.0.0.1 serving the frame with the production headers, and an app
 * origin on `localhost` (a different site, as in production) serving a
 * parent page that embeds the frame the way the app does.
 */
export interface Harness {
  appOrigin: string;
  sandboxOrigin: string;
  appUrl: string;
  /** Every request the sandbox server saw, as `METHOD path`. */
  sandboxRequests: string[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function appPage(sandboxOrigin: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Loupe frame harness</title></head>
<body>
<h1 id="app-title">Loupe frame harness</h1>
<iframe id="artifact" sandbox="allow-scripts" src="${sandboxOrigin}/frame"
  style="display:block;width:800px;height:600px;border:0"></iframe>
<script>
  // Everything the frame posts, unfiltered: specs validate it themselves.
  window.frameMessages = [];
  const frame = document.getElementById('artifact');
  window.addEventListener('message', (event) => {
    if (event.source === frame.contentWindow) window.frameMessages.push(event.data);
  });
  window.sendToFrame = (message) => frame.contentWindow.postMessage(message, '*');
  window.sendRender = (html, rev) => window.sendToFrame({ loupe: 1, type: 'render', rev, html });
</script>
</body></html>`;
}

/**
 * The declaration in the frame bundle that switches the realm guard
 * (lib/frame/guards/realm.ts) on; esbuild prints the module's top-level
 * `const` as `var`.
 */
const REALM_GUARD_ON = /\b(?:var|let|const) REALM_GUARD = true;/g;

/**
 * The frame program with its realm guard switched off, for positive controls
 * only: a hostile payload that stays quiet in the real frame must reach the
 * tripwire in this one, or the spec proves nothing. Only this harness makes
 * it, by rewriting its own copy of the bundle; the production sandbox server
 * serves the bundle as it is built.
 */
export function unguardedBootstrap(source: string): string {
  const found = source.match(REALM_GUARD_ON) ?? [];
  if (found.length !== 1) {
    throw new Error(`expected exactly one "REALM_GUARD = true" declaration in the frame bundle, found ${found.length}`);
  }
  return source.replace(REALM_GUARD_ON, 'var REALM_GUARD = false;');
}

export interface HarnessOptions {
  /** false: serve the frame without its realm guard (a positive control). Default true. */
  realmGuard?: boolean;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const realmGuard = options.realmGuard ?? true;
  const sandboxRequests: string[] = [];
  let appOrigin = '';
  let sandboxOrigin = '';

  const sandbox = createServer((req: IncomingMessage, res: ServerResponse) => {
    sandboxRequests.push(`${req.method} ${req.url}`);
    if (req.method === 'GET' && req.url === '/frame') {
      // Built from lib/frame on first use (cached in memory for the run).
      res.writeHead(200, {
        ...buildSandboxHeaders(appOrigin),
        'Content-Type': 'text/html; charset=utf-8',
      });
      const source = loadFrameProgram();
      res.end(renderFrameHtml(realmGuard ? source : unguardedBootstrap(source)));
      return;
    }
    res.writeHead(404, { ...buildSandboxHeaders(appOrigin), 'Content-Type': 'text/plain' });
    res.end('not found');
  });

  const app = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/') {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': [
          "default-src 'none'",
          "script-src 'unsafe-inline'",
          "style-src 'unsafe-inline'",
          buildAppFrameSrcDirective(sandboxOrigin),
        ].join('; '),
        'Cache-Control': 'no-store',
      });
      res.end(appPage(sandboxOrigin));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });

  const sandboxPort = await listen(sandbox);
  const appPort = await listen(app);
  sandboxOrigin = `http://127.0.0.1:${sandboxPort}`;
  // Same socket, but `localhost` is a different site from 127.0.0.1, so the
  // frame is cross-site (and in its own process) exactly as in production.
  appOrigin = `http://localhost:${appPort}`;

  return {
    appOrigin,
    sandboxOrigin,
    appUrl: `${appOrigin}/`,
    sandboxRequests,
    close: async () => {
      await Promise.all([closeServer(sandbox), closeServer(app)]);
    },
  };
}

import { createServer, type Server } from 'node:http';
import { buildSandboxHeaders } from '../lib/sandbox/csp';
import { loadFrameProgram, renderFrameHtml } from '../lib/sandbox/frame-html';

/**
 * The sandbox origin: a different site from the app, serving only the frame
 * document (the bootstrap) with a CSP that allows nothing from the network.
 * It never sets or reads cookies: requests' Cookie headers are ignored and
 * no response carries Set-Cookie.
 */
export function createSandboxServer(appOrigin: () => string): Server {
  const frameHtml = Buffer.from(renderFrameHtml(loadFrameProgram()));
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const headers = buildSandboxHeaders(appOrigin());
    if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname === '/frame') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-length': frameHtml.byteLength });
      res.end(req.method === 'HEAD' ? undefined : frameHtml);
      return;
    }
    res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found');
  });
}

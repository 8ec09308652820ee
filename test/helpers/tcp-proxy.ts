// A fault-injecting TCP proxy for tests: Loupe talks to PostgreSQL through it, and a test cuts the line.
//
// Why not a library: toxiproxy is a Go server with its own daemon and HTTP API (not on this machine, not on npm as
// a runnable), and the npm TCP proxies (e.g. `node-tcp-proxy`, `tcp-proxy.js`) only forward: none can drop live
// connections and refuse new ones on demand. What we need is ~60 lines of node:net, so it lives here.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** The port clients connect to (on 127.0.0.1). */
  port: number;
  /** Rewrites a URL's host:port to go through the proxy. */
  urlThrough(url: string): string;
  /** Destroys every open connection (both sides, like a dead network path) and refuses new ones until `heal`. */
  cut(): void;
  /** Accepts and forwards connections again. */
  heal(): void;
  /** Open client connections right now. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1 and forwards every connection to `target` (host:port). */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) {
      // A reset, not a graceful FIN: what a client sees from a host that is down or a firewall that rejects.
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    urlThrough: (url) => {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut: () => {
      refusing = true;
      for (const [client, upstream] of [...pairs]) {
        pairs.delete([client, upstream]);
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    heal: () => {
      refusing = false;
    },
    get connections() {
      return pairs.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        refusing = true;
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        pairs.clear();
        server.close(() => resolve());
      }),
  };
}

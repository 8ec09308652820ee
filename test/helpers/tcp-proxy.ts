// A TCP hop a test can cut and restore: PostgreSQL (or anything) going away and coming back, for real.
//
// Why not a library: toxiproxy is a Go server with its own daemon and HTTP API (not on this machine, not on npm as
// a runnable), and the npm TCP proxies (e.g. `node-tcp-proxy`, `tcp-proxy.js`) only forward: none can drop live
// connections and refuse new ones on demand. What we need is this much node:net.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The local port the hop listens on (127.0.0.1; the same after a restore). */
  readonly port: number;
  /** Rewrites a URL's host:port to go through the hop. */
  urlThrough(url: string): string;
  /**
   * Resets every open connection (both sides, like a dead network path) and refuses new ones until `restore`.
   * The port stays bound, so nothing else can take it meanwhile.
   */
  cut(): Promise<void>;
  /** Accepts and forwards connections again (after cut or blackhole). */
  restore(): Promise<void>;
  /** Keeps every connection open but forwards nothing either way (a dead network path: no reset, no answer). */
  blackhole(): void;
  /** Open client connections right now. */
  readonly connections: number;
  /** Stops listening: afterwards nothing answers on the port. */
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1 and forwards every connection to `target` (host:port). */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  let blackholed = false;
  const server: Server = createServer((client) => {
    if (refusing) {
      // A reset, not a graceful FIN: what a client sees from a host that is down or a firewall that rejects.
      client.on('error', () => {});
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
    // Not pipe(): a blackholed hop must swallow bytes while both ends stay open.
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (!blackholed) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const resetAll = () => {
    for (const [client, upstream] of pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
  };
  let closed: Promise<void> | null = null;
  return {
    port,
    urlThrough: (url) => {
      const parsed = new URL(url);
      parsed.host = `127.0.0.1:${port}`;
      return parsed.toString();
    },
    cut: async () => {
      refusing = true;
      resetAll();
    },
    restore: async () => {
      refusing = false;
      blackholed = false;
    },
    blackhole: () => {
      blackholed = true;
    },
    get connections() {
      return pairs.size;
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        refusing = true;
        resetAll();
        server.close(() => resolve());
      })),
  };
}

/** A postgres:// URL that reaches the same database through the hop. */
export function throughProxy(databaseUrl: string, proxy: TcpProxy): string {
  return proxy.urlThrough(databaseUrl);
}

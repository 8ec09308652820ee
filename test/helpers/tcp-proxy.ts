// A TCP hop a test can cut and restore: PostgreSQL (or anything) going away and coming back, for real.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The local port the hop listens on (the same after a restore). */
  port: number;
  /** Drops every connection through it and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port (after cut), or forwards again (after blackhole). */
  restore(): Promise<void>;
  /** Keeps every connection open but forwards nothing either way (a dead network path: no reset, no answer). */
  blackhole(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  let blackholed = false;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        const forward = (from: Socket, to: Socket) => from.on('data', (chunk: Buffer) => {
          if (!blackholed) to.write(chunk);
        });
        forward(client, upstream);
        forward(upstream, client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as { port: number }).port;
        server = next;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server) return resolve();
      const closing = server;
      server = null;
      closing.close(() => resolve());
    });
  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    restore: async () => {
      if (blackholed) blackholed = false;
      else await listen();
    },
    blackhole: () => {
      blackholed = true;
    },
    close: stop,
  };
}

/** A postgres:// URL that reaches the same database through the hop. */
export function throughProxy(databaseUrl: string, proxy: TcpProxy): string {
  const url = new URL(databaseUrl);
  url.host = `127.0.0.1:${proxy.port}`;
  return url.toString();
}

// Copied from e2e/frame/tripwire.ts (owned by the sandbox harness work; kept separate so
// either can change without breaking the other).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';

/**
 * A loopback port that counts everything that reaches it: TCP connections
 * (handed to an HTTP server, so a request that does get through completes
 * and shows up in `requests`) and UDP datagrams on the same port number
 * (STUN/TURN over UDP). Any count above zero means something escaped.
 */
export interface Tripwire {
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  connections(): number;
  /** Bytes received over all TCP connections: a preconnect sends none. */
  bytes(): number;
  datagrams(): number;
  requests(): string[];
  close(): Promise<void>;
}

export async function startTripwire(): Promise<Tripwire> {
  let connections = 0;
  let bytes = 0;
  let datagrams = 0;
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  const http: HttpServer = createHttpServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' });
    res.end('leaked');
  });
  const tcp: NetServer = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    http.emit('connection', socket);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (tcp.address() as AddressInfo).port;

  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', () => {
    datagrams++;
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, '127.0.0.1', () => resolve());
  });

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    connections: () => connections,
    bytes: () => bytes,
    datagrams: () => datagrams,
    requests: () => [...requests],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => tcp.close(() => resolve())),
        new Promise<void>((resolve) => udp.close(() => resolve())),
      ]);
    },
  };
}

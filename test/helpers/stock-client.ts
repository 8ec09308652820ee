// A stock y-websocket client (the same one browsers use) with `ws` as its WebSocket, for the in-process and the cluster helpers alike.
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';

export interface StockClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  text: Y.Text;
  /** Every close the server sent it (code and reason), in order. */
  closes: Array<{ code: number; reason: string }>;
  destroy(): void;
}

/** Connects to `room` at a /collab URL (an instance's or a load balancer's) with `token`. */
export function connectStock(wsUrl: string, room: string, token: string): StockClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
  });
  const closes: StockClient['closes'] = [];
  provider.on('connection-close', (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
  });
  return {
    doc,
    provider,
    text: doc.getText('html'),
    closes,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Resolves once the client has the server's state. */
export function whenStockSynced(client: StockClient): Promise<void> {
  if (client.provider.synced) return Promise.resolve();
  return new Promise((resolve) => client.provider.once('sync', () => resolve()));
}

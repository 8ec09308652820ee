import type { WebSocket } from 'ws';
import { CloseCode } from '../../lib/protocol/close-codes';
import { MAX_BUFFERED_BYTES } from './limits';
import type { Peer } from './peer';

/**
 * A `ws` socket as a Peer. Every frame to the socket goes through `send`,
 * which refuses to queue past the buffer cap: a client that does not read
 * is closed with SLOW_CONSUMER whichever message would have grown its queue
 * (a broadcast, an answer to its own request, a presence snapshot).
 */
export function socketPeer(ws: WebSocket, maxBufferedBytes: number = MAX_BUFFERED_BYTES): Peer {
  return {
    send: (data, onDone) => {
      if (ws.readyState !== ws.OPEN) {
        onDone?.();
        return;
      }
      const queued = ws.bufferedAmount;
      if (queued > 0 && queued + data.byteLength > maxBufferedBytes) {
        ws.close(CloseCode.SLOW_CONSUMER, 'Too far behind; reconnect to resync.');
        onDone?.();
        return;
      }
      // Called once the frame is written out, or with an error when the socket went away first.
      ws.send(data, { binary: true }, onDone ? () => onDone() : undefined);
    },
    close: (code, reason) => ws.close(code, reason.slice(0, 120)),
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
}

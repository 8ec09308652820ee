'use client';

import { useCallback, useEffect, useState } from 'react';
import type { WebsocketProvider } from 'y-websocket';

export type ConnectionStatus =
  | { phase: 'connecting' }
  | { phase: 'live' }
  /** Lost the connection; y-websocket is retrying. `code` is the last close code, if the server sent one. */
  | { phase: 'reconnecting'; code: number | null }
  /** The server closed for good (unauthorized, revoked, not found…). */
  | { phase: 'closed'; code: number; reason: string };

/** The live connection's state for the header, from the provider's events. */
export function useConnectionStatus(provider: WebsocketProvider | null): { status: ConnectionStatus; retry(): void } {
  const [status, setStatus] = useState<ConnectionStatus>({ phase: 'connecting' });

  useEffect(() => {
    if (!provider) return;
    let closes = 0;
    let lastCode: number | null = null;
    let final: { code: number; reason: string } | null = null;

    const update = () => {
      if (final) setStatus({ phase: 'closed', ...final });
      else if (provider.wsconnected && provider.synced) setStatus({ phase: 'live' });
      else if (closes > 0) setStatus({ phase: 'reconnecting', code: lastCode });
      else setStatus({ phase: 'connecting' });
    };
    const onConnectionClose = (event: CloseEvent | null) => {
      closes++;
      lastCode = event ? event.code : null;
      update();
    };
    const onClosed = (event: { code: number; reason: string }) => {
      final = event;
      update();
    };
    const onStatus = (event: { status: 'connected' | 'disconnected' | 'connecting' }) => {
      if (event.status === 'connected') final = null;
      update();
    };

    provider.on('status', onStatus);
    provider.on('sync', update);
    provider.on('connection-close', onConnectionClose);
    provider.on('closed', onClosed);
    update();
    return () => {
      provider.off('status', onStatus);
      provider.off('sync', update);
      provider.off('connection-close', onConnectionClose);
      provider.off('closed', onClosed);
    };
  }, [provider]);

  const retry = useCallback(() => {
    if (!provider) return;
    setStatus({ phase: 'reconnecting', code: null });
    provider.connect();
  }, [provider]);

  return { status, retry };
}

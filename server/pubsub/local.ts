import type { PubSub, PubSubMessage } from './types';

/**
 * In-process bus. With one server it only ever echoes to its own rooms
 * (which skip their own node id); several Loupe servers in one process
 * (tests of the fan-out contract) share one instance.
 */
export class LocalPubSub implements PubSub {
  readonly fansOut: boolean;

  /** `fansOut: true` when several Loupe servers share this bus in one process (tests of fan-out). */
  constructor(options: { fansOut?: boolean } = {}) {
    this.fansOut = options.fansOut ?? false;
  }

  private readonly channels = new Map<string, Set<(message: PubSubMessage) => void>>();

  publish(channel: string, message: PubSubMessage): void {
    const handlers = this.channels.get(channel);
    if (!handlers) return;
    // Delivered asynchronously, like a network bus, so no caller depends on re-entrancy.
    queueMicrotask(() => {
      for (const handler of handlers) handler(message);
    });
  }

  subscribe(channel: string, handler: (message: PubSubMessage) => void): () => void {
    let handlers = this.channels.get(channel);
    if (!handlers) this.channels.set(channel, (handlers = new Set()));
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.channels.delete(channel);
    };
  }

  /** In process a subscription is in place as soon as subscribe returns. */
  whenSubscribed(): Promise<void> {
    return Promise.resolve();
  }

  /** An in-process bus never drops a message. */
  onResync(): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}

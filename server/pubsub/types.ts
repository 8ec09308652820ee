/**
 * Fan-out of room traffic between server processes. A room publishes every
 * update after it is durable and every awareness batch; rooms of the same
 * document in other processes apply them without storing them again.
 * In-process (`LocalPubSub`) today; Redis implements the same interface.
 */
export interface PubSubMessage {
  /** The process that published it, so it can skip its own echoes. */
  nodeId: string;
  kind: 'update' | 'awareness';
  payload: Uint8Array;
}

export interface PubSub {
  /** False when no other process can be listening (the single-process default): rooms skip publishing. */
  readonly fansOut: boolean;
  publish(channel: string, message: PubSubMessage): void;
  /** Returns an unsubscribe function. */
  subscribe(channel: string, handler: (message: PubSubMessage) => void): () => void;
  close(): Promise<void>;
}

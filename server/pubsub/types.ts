/**
 * Fan-out between server processes: room updates (after they are durable),
 * awareness batches, inbox signals, and whatever else the processes tell each
 * other. `LocalPubSub` within one process; `RedisPubSub` across processes
 * (signed messages, see server/pubsub/redis.ts). The bus only ever carries
 * news: storage is the truth, and a process that may have missed a message
 * (a seq gap, a reconnect: `onResync`) reads storage.
 */
export interface PubSubMessage {
  /** The process that published it, so it can skip its own echoes. */
  nodeId: string;
  /** What the payload is: rooms use 'update', 'presence' and 'presence-query'; other channels name their own. */
  kind: string;
  payload: Uint8Array;
  /**
   * Room updates: the stored seqs the payload covers (`firstSeq..lastSeq`),
   * so a receiver sees a gap and reads the missing range from storage. An
   * update message with an empty payload is news only ("up to lastSeq is
   * stored"): the receiver reads it from storage.
   */
  firstSeq?: number;
  lastSeq?: number;
}

export interface PubSub {
  /** False when no other process can be listening (the single-process default): rooms skip publishing and catching up. */
  readonly fansOut: boolean;
  /** Fire and forget: a message that cannot be sent is lost, and receivers heal from storage (seq gaps, onResync). */
  publish(channel: string, message: PubSubMessage): void;
  /** Returns an unsubscribe function. Messages may flow before `whenSubscribed` resolves, never reliably. */
  subscribe(channel: string, handler: (message: PubSubMessage) => void): () => void;
  /**
   * Resolves once every message published on `channel` from now on reaches this
   * process's handlers (the subscription is confirmed), or once the bus is
   * disconnected (then `onResync` follows the reconnect). Callers subscribe,
   * wait for this, then read storage: nothing published in between is lost.
   */
  whenSubscribed(channel: string): Promise<void>;
  /**
   * `handler` runs after the bus may have dropped messages (it reconnected and
   * every channel is subscribed again): listeners re-read what they hold from
   * storage. Returns a function that removes the handler.
   */
  onResync(handler: () => void): () => void;
  close(): Promise<void>;
}

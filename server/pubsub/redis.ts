import { createHmac, timingSafeEqual } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Logger } from '../log';
import type { PubSub, PubSubMessage } from './types';

/**
 * The bus between processes, on Redis pub/sub (two connections: one
 * publishes, one subscribes).
 *
 * Redis is not trusted with content: every message is signed with a key
 * derived from AUTH_SECRET (HMAC-SHA256, bound to its channel and a time),
 * and one whose signature does not verify with any key of the ring is dropped
 * and counted before a byte of it is decoded. Redis pub/sub delivers at most
 * once and keeps nothing: a dropped connection may lose messages, so after
 * every reconnect the channels are subscribed again and `onResync` handlers
 * re-read storage. Publishing while disconnected does not queue (memory stays
 * bounded); the room channels whose news was lost are told again, as news
 * only, once the connection is back.
 *
 * Wire format of one Redis message (binary):
 *   [0]      version (1)
 *   [1..33)  HMAC-SHA256(busKey, varString(channel) ‖ body)
 *   [33..)   body: varString kind, varString nodeId, varUint firstSeq,
 *            varUint lastSeq (0 when none), varUint sentAt (ms),
 *            varUint8Array payload
 */
export const BUS_WIRE_VERSION = 1;
const MAC_BYTES = 32;
/** Largest message accepted or sent: a 16 MiB page's update with room to spare. Larger news is sent without its bytes. */
export const MAX_BUS_MESSAGE_BYTES = 40 * 1024 * 1024;
/** A signed message older (or newer) than this is a replay or a broken clock: dropped (room updates heal from storage). */
export const MAX_BUS_MESSAGE_AGE_MS = 5 * 60_000;
const MAX_KIND_CHARS = 32;
const MAX_NODE_ID_CHARS = 64;
/** Channels whose update news failed to publish, re-announced after the reconnect (bounded: past it the oldest are forgotten). */
const MAX_LOST_NEWS = 10_000;

export interface RedisPubSubOptions {
  /** redis://[user:password@]host:port[/db] or rediss:// (TLS). */
  url: string;
  /** Prefix of every channel (REDIS_PREFIX), so deployments and tests sharing a Redis never hear each other. */
  prefix: string;
  /** The AUTH_SECRET ring, current key first: it signs; every key verifies. */
  secrets: readonly string[];
  logger: Logger;
  /** Extra ioredis options (tests: retry timing). */
  redisOptions?: RedisOptions;
}

export interface BusStats {
  published: number;
  publishFailed: number;
  delivered: number;
  /** Signature missing or wrong (or a version we do not speak). */
  forged: number;
  /** Signed but not decodable, or too old/new. */
  malformed: number;
  tooLarge: number;
  resyncs: number;
}

interface ChannelState {
  handlers: Set<(message: PubSubMessage) => void>;
  ready: Promise<void>;
}

/** The bus key of one AUTH_SECRET: never the secret itself, so a bus key that leaks signs no session. */
export function busKeyOf(secret: string): Buffer {
  return createHmac('sha256', secret).update('loupe-bus').digest();
}

export function encodeBusMessage(key: Buffer, channel: string, message: PubSubMessage, sentAt: number): Buffer {
  const body = encoding.createEncoder();
  encoding.writeVarString(body, message.kind);
  encoding.writeVarString(body, message.nodeId);
  encoding.writeVarUint(body, message.firstSeq ?? 0);
  encoding.writeVarUint(body, message.lastSeq ?? 0);
  encoding.writeVarUint(body, sentAt);
  encoding.writeVarUint8Array(body, message.payload);
  const bodyBytes = encoding.toUint8Array(body);
  const mac = macOf(key, channel, bodyBytes);
  const out = Buffer.allocUnsafe(1 + MAC_BYTES + bodyBytes.byteLength);
  out[0] = BUS_WIRE_VERSION;
  mac.copy(out, 1);
  out.set(bodyBytes, 1 + MAC_BYTES);
  return out;
}

function macOf(key: Buffer, channel: string, body: Uint8Array): Buffer {
  const channelBytes = encoding.createEncoder();
  encoding.writeVarString(channelBytes, channel);
  return createHmac('sha256', key).update(encoding.toUint8Array(channelBytes)).update(body).digest();
}

type Verdict = { ok: true; message: PubSubMessage } | { ok: false; why: 'forged' | 'malformed' | 'tooLarge' };

/** Verifies first (with every key of the ring), then decodes: nothing unsigned is ever parsed. */
export function decodeBusMessage(keys: readonly Buffer[], channel: string, raw: Buffer, now: number): Verdict {
  if (raw.byteLength > MAX_BUS_MESSAGE_BYTES) return { ok: false, why: 'tooLarge' };
  if (raw.byteLength < 1 + MAC_BYTES || raw[0] !== BUS_WIRE_VERSION) return { ok: false, why: 'forged' };
  const mac = raw.subarray(1, 1 + MAC_BYTES);
  const body = raw.subarray(1 + MAC_BYTES);
  if (!keys.some((key) => timingSafeEqual(macOf(key, channel, body), mac))) return { ok: false, why: 'forged' };
  try {
    const decoder = decoding.createDecoder(body);
    const kind = decoding.readVarString(decoder);
    const nodeId = decoding.readVarString(decoder);
    const firstSeq = decoding.readVarUint(decoder);
    const lastSeq = decoding.readVarUint(decoder);
    const sentAt = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (decoder.pos !== body.byteLength || kind.length === 0 || kind.length > MAX_KIND_CHARS || nodeId.length > MAX_NODE_ID_CHARS) {
      return { ok: false, why: 'malformed' };
    }
    if (firstSeq > lastSeq || Math.abs(now - sentAt) > MAX_BUS_MESSAGE_AGE_MS) return { ok: false, why: 'malformed' };
    const message: PubSubMessage = { nodeId, kind, payload };
    if (lastSeq > 0) {
      message.firstSeq = firstSeq;
      message.lastSeq = lastSeq;
    }
    return { ok: true, message };
  } catch {
    return { ok: false, why: 'malformed' };
  }
}

export class RedisPubSub implements PubSub {
  readonly fansOut = true;
  readonly stats: BusStats = { published: 0, publishFailed: 0, delivered: 0, forged: 0, malformed: 0, tooLarge: 0, resyncs: 0 };

  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly prefix: string;
  private readonly signKey: Buffer;
  private readonly verifyKeys: Buffer[];
  private readonly logger: Logger;
  private readonly channels = new Map<string, ChannelState>();
  private readonly resyncHandlers = new Set<() => void>();
  /** Update news that could not be published, per channel (the highest seq), told again on reconnect. */
  private readonly lostNews = new Map<string, { nodeId: string; lastSeq: number }>();
  /** Settles when the subscriber connection drops, so nobody waits on a subscription across an outage. */
  private disconnected!: Promise<void>;
  private signalDisconnected!: () => void;
  private hasConnected = false;
  private isClosed = false;
  private lastErrorLogged = '';

  constructor(options: RedisPubSubOptions) {
    if (options.secrets.length === 0) throw new Error('RedisPubSub needs at least one signing secret');
    this.prefix = options.prefix;
    this.logger = options.logger;
    this.signKey = busKeyOf(options.secrets[0]);
    this.verifyKeys = options.secrets.map(busKeyOf);
    this.armDisconnected();
    const common: RedisOptions = {
      // Never queue commands while disconnected: publishes fail fast (memory stays bounded), subscriptions are redone on ready.
      enableOfflineQueue: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 2,
      retryStrategy: (attempt) => Math.min(50 * attempt, 2_000),
      ...options.redisOptions,
    };
    this.publisher = new Redis(options.url, { ...common, connectionName: 'loupe-pub' });
    this.subscriber = new Redis(options.url, { ...common, connectionName: 'loupe-sub' });
    for (const [name, connection] of [['publisher', this.publisher], ['subscriber', this.subscriber]] as const) {
      connection.on('error', (error: Error) => this.logError(name, error));
    }
    this.publisher.on('ready', () => this.retellLostNews());
    this.subscriber.on('ready', () => void this.resubscribeAll());
    this.subscriber.on('close', () => this.signalDisconnected());
    this.subscriber.on('messageBuffer', (channel: Buffer, raw: Buffer) => this.receive(channel, raw));
  }

  /** Resolves once both connections are up, or after `timeoutMs` (the bus heals by itself; start need not fail). */
  async connected(timeoutMs: number): Promise<boolean> {
    const up = (connection: Redis) =>
      connection.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => connection.once('ready', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([Promise.all([up(this.publisher), up(this.subscriber)]).then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  publish(channel: string, message: PubSubMessage): void {
    if (this.isClosed) return;
    let raw = encodeBusMessage(this.signKey, channel, message, Date.now());
    if (raw.byteLength > MAX_BUS_MESSAGE_BYTES) {
      // Too big to carry: told as news only; receivers read the bytes from storage.
      raw = encodeBusMessage(this.signKey, channel, { ...message, payload: new Uint8Array() }, Date.now());
    }
    const lost = () => {
      this.stats.publishFailed++;
      if (message.kind === 'update' && message.lastSeq) this.rememberLostNews(channel, message.nodeId, message.lastSeq);
    };
    if (this.publisher.status !== 'ready') {
      lost();
      return;
    }
    this.stats.published++;
    this.publisher.publish(this.prefix + channel, raw).catch((error: unknown) => {
      lost();
      this.logError('publisher', error);
    });
  }

  subscribe(channel: string, handler: (message: PubSubMessage) => void): () => void {
    let state = this.channels.get(channel);
    if (!state) {
      state = { handlers: new Set(), ready: Promise.resolve() };
      this.channels.set(channel, state);
      state.ready = this.subscribeOnRedis([channel]);
    }
    state.handlers.add(handler);
    const owned = state;
    return () => {
      owned.handlers.delete(handler);
      if (owned.handlers.size > 0 || this.channels.get(channel) !== owned) return;
      this.channels.delete(channel);
      if (this.subscriber.status === 'ready') {
        this.subscriber.unsubscribe(this.prefix + channel).catch((error: unknown) => this.logError('subscriber', error));
      }
    };
  }

  whenSubscribed(channel: string): Promise<void> {
    return this.channels.get(channel)?.ready ?? Promise.resolve();
  }

  onResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  async close(): Promise<void> {
    this.isClosed = true;
    this.channels.clear();
    this.resyncHandlers.clear();
    this.signalDisconnected();
    await Promise.allSettled([this.publisher.quit(), this.subscriber.quit()]);
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  // ---- internals -------------------------------------------------------

  /**
   * Confirmed when Redis answers the SUBSCRIBE; while disconnected it settles
   * at once (the subscription is made on ready, and onResync covers the gap).
   */
  private subscribeOnRedis(channels: string[]): Promise<void> {
    if (this.subscriber.status !== 'ready' || this.isClosed) return Promise.resolve();
    const confirmed = this.subscriber.subscribe(...channels.map((channel) => this.prefix + channel)).then(
      () => undefined,
      (error: unknown) => this.logError('subscriber', error),
    );
    return Promise.race([confirmed, this.disconnected]);
  }

  private async resubscribeAll(): Promise<void> {
    const first = !this.hasConnected;
    this.hasConnected = true;
    this.armDisconnected();
    const channels = [...this.channels.keys()];
    if (channels.length > 0) {
      const ready = this.subscribeOnRedis(channels);
      for (const channel of channels) {
        const state = this.channels.get(channel);
        if (state) state.ready = ready;
      }
      await ready;
    }
    if (this.subscriber.status !== 'ready' || this.isClosed) return;
    // The first connection also resyncs: anything subscribed while Redis was not reachable at start read storage without it.
    if (first && channels.length === 0) return;
    this.stats.resyncs++;
    this.logger.info('bus connected again; rooms catch up from storage', { channels: channels.length });
    for (const handler of [...this.resyncHandlers]) {
      try {
        handler();
      } catch (error) {
        this.logger.warn('a resync handler failed', { error });
      }
    }
  }

  private receive(rawChannel: Buffer, raw: Buffer): void {
    const full = rawChannel.toString('utf8');
    if (!full.startsWith(this.prefix)) return;
    const channel = full.slice(this.prefix.length);
    const state = this.channels.get(channel);
    if (!state) return;
    const verdict = decodeBusMessage(this.verifyKeys, channel, raw, Date.now());
    if (!verdict.ok) {
      this.stats[verdict.why]++;
      // Counted always, logged rarely: a flood of forgeries must not become a flood of log lines.
      if ((this.stats.forged + this.stats.malformed + this.stats.tooLarge) % 1000 === 1) {
        this.logger.warn('dropped bus messages that do not verify', { why: verdict.why, forged: this.stats.forged, malformed: this.stats.malformed, tooLarge: this.stats.tooLarge });
      }
      return;
    }
    this.stats.delivered++;
    for (const handler of [...state.handlers]) {
      try {
        handler(verdict.message);
      } catch (error) {
        this.logger.warn('a bus handler failed', { channel, error });
      }
    }
  }

  private rememberLostNews(channel: string, nodeId: string, lastSeq: number): void {
    const previous = this.lostNews.get(channel);
    this.lostNews.delete(channel);
    this.lostNews.set(channel, { nodeId, lastSeq: Math.max(lastSeq, previous?.lastSeq ?? 0) });
    if (this.lostNews.size > MAX_LOST_NEWS) this.lostNews.delete(this.lostNews.keys().next().value as string);
  }

  /** After the publisher is back, each channel whose update news was lost hears "stored up to lastSeq" (a gap for every reader). */
  private retellLostNews(): void {
    const lost = [...this.lostNews];
    this.lostNews.clear();
    for (const [channel, news] of lost) {
      this.publish(channel, { nodeId: news.nodeId, kind: 'update', payload: new Uint8Array(), firstSeq: news.lastSeq, lastSeq: news.lastSeq });
    }
  }

  private armDisconnected(): void {
    this.disconnected = new Promise((resolve) => (this.signalDisconnected = resolve));
  }

  private logError(connection: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const key = `${connection}:${message}`;
    if (key === this.lastErrorLogged) return;
    this.lastErrorLogged = key;
    this.logger.warn('redis bus error', { connection, error: message });
  }
}

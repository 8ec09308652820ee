import { Redis } from 'ioredis';
import type { Logger } from '../log';

/**
 * How long one coordination command (a rate-limit take, a socket slot) may
 * wait for Redis before the caller decides in-process instead. A request is
 * never held for longer than this by a slow or absent Redis.
 */
export const COORDINATION_COMMAND_TIMEOUT_MS = 250;

/**
 * The connection for shared limits (rate buckets, socket slots): one per
 * process, its own (the bus keeps its publisher and subscriber apart, so a
 * burst of takes never queues behind room traffic).
 *
 * Commands are never queued while disconnected (`enableOfflineQueue: false`)
 * and each gives up after COORDINATION_COMMAND_TIMEOUT_MS: a caller sees an
 * error at once and falls back to its in-process insurance. ioredis keeps
 * reconnecting in the background (TLS for rediss://, the password from the
 * URL), and the shared limits resume by themselves when Redis is back.
 */
export function connectCoordinationRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: COORDINATION_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    // Reconnect quickly at first, then every 2 s at most: a Redis restart is noticed within seconds.
    retryStrategy: (times) => Math.min(100 * times, 2_000),
    lazyConnect: false,
  });
  let isDown = false;
  redis.on('error', (error: Error) => {
    // ioredis emits an error per failed reconnect: say it once per outage.
    if (isDown) return;
    isDown = true;
    logger.warn('Redis for shared limits is unreachable: limits fall back to this process until it returns', { error: error.message });
  });
  redis.on('ready', () => {
    if (isDown) logger.info('Redis for shared limits is back');
    isDown = false;
  });
  return redis;
}

/** Ends the connection without waiting for a Redis that may be gone. */
export async function closeCoordinationRedis(redis: Redis): Promise<void> {
  try {
    await Promise.race([redis.quit(), new Promise((resolve) => setTimeout(resolve, COORDINATION_COMMAND_TIMEOUT_MS).unref())]);
  } catch {
    // Already closed or unreachable: nothing left to flush.
  } finally {
    redis.disconnect();
  }
}

/**
 * Waits (at most `ms`) for the connection at start, so the first requests
 * are limited cluster-wide rather than by a fresh in-process bucket. A Redis
 * that is down does not stop the start: limits run in-process until it is up.
 */
export async function whenCoordinationReady(redis: Redis, ms = 2_000): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (isReady: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(isReady);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.once('ready', onReady);
  });
}

import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import { MemoryRateLimiter, type BucketRule, type LimitDecision, type RateLimiter } from './rate-limiter';

/**
 * The token bucket of rate-limiter.ts (TokenBucket), as one Lua script so
 * that deciding and taking are one atomic step on Redis: two instances
 * taking the last token at once cannot both get it. Time is Redis's own
 * clock (TIME), so instances whose clocks disagree share one refill rate.
 *
 * A bucket is a hash {t: tokens, at: ms} that expires once it would have
 * refilled completely: a missing bucket is a full one, so keys never pile up
 * and Redis losing everything (a restart without persistence) only resets
 * buckets to full: it fails open, it never crashes or blocks.
 *
 * Why not rate-limiter-flexible: its token-bucket-like limiters are fixed
 * windows (a burst of twice the capacity across a window edge), it has no
 * refund that mirrors a take, and this is twenty lines we test against a
 * real Redis. The insurance it offers (an in-memory limiter when Redis is
 * unreachable) is below.
 *
 * KEYS[1] the bucket. ARGV: capacity, tokens per ms, cost, mode
 * (take | refund | peek). Returns {1, 0} (taken / would fit / refunded) or
 * {0, ms until the cost fits}.
 */
const BUCKET_SCRIPT = `
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local cost = math.min(tonumber(ARGV[3]), capacity)
local mode = ARGV[4]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local stored = redis.call('HMGET', KEYS[1], 't', 'at')
if stored[1] == false then
  if mode == 'refund' then return {1, 0} end
  stored = {capacity, now}
end
local tokens = math.min(capacity, tonumber(stored[1]) + math.max(0, now - tonumber(stored[2])) * perMs)
if mode == 'peek' then
  if tokens >= cost then return {1, 0} end
  return {0, math.ceil((cost - tokens) / perMs)}
end
if mode == 'take' then
  if tokens < cost then return {0, math.ceil((cost - tokens) / perMs)} end
  tokens = tokens - cost
else
  tokens = math.min(capacity, tokens + cost)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / perMs) + 1000)
return {1, 0}
`;

interface BucketRedis extends Redis {
  loupeTokenBucket(key: string, capacity: number, perMs: number, cost: number, mode: 'take' | 'refund' | 'peek'): Promise<[number, number]>;
}

/** Registers the script once per connection (ioredis sends EVALSHA and falls back to EVAL after a Redis restart). */
export function withBucketScript(redis: Redis): BucketRedis {
  const bucketRedis = redis as BucketRedis;
  if (typeof bucketRedis.loupeTokenBucket !== 'function') redis.defineCommand('loupeTokenBucket', { numberOfKeys: 1, lua: BUCKET_SCRIPT });
  return bucketRedis;
}

/**
 * One limit shared by every instance through Redis (`<prefix>rl:<name>:<key>`),
 * with an in-process bucket as insurance: when Redis does not answer within
 * the command timeout (down, restarting, partitioned) this process decides
 * alone with the same rule, so a request is never blocked on Redis and the
 * limit still holds per process. A refund goes to Redis, or to the
 * insurance when Redis does not answer (a refund the other side never took
 * is capped at the bucket's capacity: at worst a few extra attempts once).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: BucketRedis;
  private readonly perMs: number;
  readonly insurance: MemoryRateLimiter;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly rule: BucketRule,
    private readonly logger: Logger,
    now: () => number = Date.now,
  ) {
    this.redis = withBucketScript(redis);
    this.perMs = rule.perMinute / 60_000;
    this.insurance = new MemoryRateLimiter(rule, now);
  }

  async take(key: string, cost = 1): Promise<LimitDecision> {
    const shared = await this.run(key, cost, 'take');
    return shared ?? this.insurance.takeNow(key, cost);
  }

  async peek(key: string, cost = 1): Promise<LimitDecision> {
    const shared = await this.run(key, cost, 'peek');
    return shared ?? this.insurance.peekNow(key, cost);
  }

  async refund(key: string, cost = 1): Promise<void> {
    const shared = await this.run(key, cost, 'refund');
    if (!shared) this.insurance.refundNow(key, cost);
  }

  /** The shared decision, or null when Redis did not give one (the caller uses the insurance). */
  private async run(key: string, cost: number, mode: 'take' | 'refund' | 'peek'): Promise<LimitDecision | null> {
    if (this.redis.status !== 'ready') return null;
    try {
      const [ok, retryAfterMs] = await this.redis.loupeTokenBucket(`${this.prefix}${key}`, this.rule.capacity, this.perMs, cost, mode);
      return ok === 1 ? { ok: true } : { ok: false, retryAfterMs: Math.max(1, Number(retryAfterMs)) };
    } catch (error) {
      this.logger.debug('shared rate limit unavailable; deciding in this process', { key, error });
      return null;
    }
  }
}

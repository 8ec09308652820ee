/**
 * Token buckets keyed by string (`signin:ip:…`, `token:<id>`). In-process
 * for one server; the Redis-backed limiter for many processes implements
 * the same interface.
 */
export interface RateLimiter {
  /** Takes `cost` from the key's bucket; when empty, says how long until it refills enough. */
  take(key: string, cost?: number): { ok: true } | { ok: false; retryAfterMs: number };
  /** Looks without taking. */
  peek(key: string, cost?: number): { ok: true } | { ok: false; retryAfterMs: number };
}

export interface BucketRule {
  /** The most a burst may take. */
  capacity: number;
  /** Refill: this many per minute. */
  perMinute: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_KEYS = 100_000;

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rule: BucketRule,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string, cost = 1) {
    return this.check(key, cost, true);
  }

  peek(key: string, cost = 1) {
    return this.check(key, cost, false);
  }

  private check(key: string, cost: number, consume: boolean): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = this.now();
    const perMs = this.rule.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.rule.capacity, at: now };
    bucket.tokens = Math.min(this.rule.capacity, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    if (bucket.tokens < cost) {
      this.remember(key, bucket);
      return { ok: false, retryAfterMs: Math.ceil((cost - bucket.tokens) / perMs) };
    }
    if (consume) bucket.tokens -= cost;
    this.remember(key, bucket);
    return { ok: true };
  }

  private remember(key: string, bucket: Bucket): void {
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    // Oldest-touched keys go first; a full bucket forgotten is the same as a new one.
    if (this.buckets.size > MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}

export interface Limits {
  /** Failed sign-ins per client address. */
  signInByIp: RateLimiter;
  /** Failed sign-ins per account. */
  signInByEmail: RateLimiter;
  /** Requests per agent token. */
  tokenUse: RateLimiter;
  /** Requests with a bad credential, per client address (stops token guessing). */
  badCredential: RateLimiter;
}

export interface LimitsConfig {
  signInPerMinute: number;
  tokenPerMinute: number;
}

export function createLimits(config: LimitsConfig, now: () => number = Date.now): Limits {
  return {
    signInByIp: new MemoryRateLimiter({ capacity: config.signInPerMinute * 2, perMinute: config.signInPerMinute }, now),
    signInByEmail: new MemoryRateLimiter({ capacity: config.signInPerMinute, perMinute: config.signInPerMinute / 2 }, now),
    tokenUse: new MemoryRateLimiter({ capacity: Math.max(10, config.tokenPerMinute / 4), perMinute: config.tokenPerMinute }, now),
    badCredential: new MemoryRateLimiter({ capacity: 30, perMinute: 30 }, now),
  };
}

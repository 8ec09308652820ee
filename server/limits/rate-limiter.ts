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

/**
 * One token bucket for one holder (a socket), with no key table: created
 * with the socket and dropped with it. `capacity` is the burst, refilled at
 * `perSecond`. A cost above the capacity is taken as the capacity, so one
 * large request waits for a full bucket rather than forever.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.at = now();
  }

  /** Takes `cost` if the bucket holds it; says whether it did. */
  take(cost = 1): boolean {
    const needed = Math.min(cost, this.capacity);
    this.refill();
    if (this.tokens < needed) return false;
    this.tokens -= needed;
    return true;
  }

  /** Milliseconds until `cost` can be taken (0 when it can now). */
  msUntil(cost = 1): number {
    this.refill();
    const missing = Math.min(cost, this.capacity) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing / this.perSecond) * 1000);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
  }
}

import { AppError } from '../../lib/errors';

/** 429 with Retry-After (whole seconds, at least 1) and a message that says how long to wait. */
export function rateLimited(retryAfterMs: number, what: string): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError('rate_limited', `Too many ${what}. Try again in ${seconds} s.`, {
    headers: { 'retry-after': String(seconds) },
    details: { retryAfterSeconds: seconds },
  });
}

export type LimitDecision = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Token buckets keyed by string (`signin:ip:…`, `token:<id>`). In-process
 * for one server; the Redis-backed limiter for many processes implements
 * the same interface.
 *
 * Guarding work (a password check, a request) is always **take, then
 * refund**: take before the work starts, with no await in between, and give
 * the cost back if the attempt turns out not to count (a sign-in that
 * succeeded). Looking first and taking after the work lets every attempt
 * that started while the bucket still had room through: 40 parallel
 * sign-ins all saw a full bucket before any scrypt finished.
 */
export interface RateLimiter {
  /** Takes `cost` from the key's bucket; when empty, takes nothing and says how long until it refills enough. */
  take(key: string, cost?: number): LimitDecision;
  /** Gives back what a successful `take` took, when that attempt does not count (never above capacity). */
  refund(key: string, cost?: number): void;
  /** Looks without taking: only for refusing early (before a body is read); never as the gate in front of work. */
  peek(key: string, cost?: number): LimitDecision;
}

export interface BucketRule {
  /** The most a burst may take. */
  capacity: number;
  /** Refill: this many per minute. */
  perMinute: number;
}

/**
 * One token bucket: `capacity` is the burst, refilled at `perSecond`. A cost
 * above the capacity is taken as the capacity, so one large request waits
 * for a full bucket rather than forever. Held alone by one holder (a
 * socket's budgets, created and dropped with it) or per key by
 * MemoryRateLimiter.
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

  /** Gives back what a `take` took (never above capacity). */
  refund(cost = 1): void {
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + Math.min(cost, this.capacity));
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

const MAX_KEYS = 100_000;
const OK: LimitDecision = { ok: true };

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rule: BucketRule,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string, cost = 1): LimitDecision {
    const bucket = this.bucketFor(key);
    return bucket.take(cost) ? OK : { ok: false, retryAfterMs: bucket.msUntil(cost) };
  }

  peek(key: string, cost = 1): LimitDecision {
    // A forgotten bucket is a full one.
    const retryAfterMs = this.buckets.get(key)?.msUntil(cost) ?? 0;
    return retryAfterMs === 0 ? OK : { ok: false, retryAfterMs };
  }

  refund(key: string, cost = 1): void {
    // A forgotten bucket is a full one: nothing to give back.
    this.buckets.get(key)?.refund(cost);
  }

  private bucketFor(key: string): TokenBucket {
    const bucket = this.buckets.get(key) ?? new TokenBucket(this.rule.capacity, this.rule.perMinute / 60, this.now);
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    // Oldest-touched keys go first; a full bucket forgotten is the same as a new one.
    if (this.buckets.size > MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value as string);
    return bucket;
  }
}

export interface Limits {
  /** Failed password checks (sign-in, password change) per client address. */
  signInByIp: RateLimiter;
  /** Failed password checks (sign-in, password change) per account, keyed by email. */
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

export interface Charge {
  limiter: RateLimiter;
  key: string;
  cost?: number;
}

/**
 * Takes from every bucket or from none (what one failed after others
 * succeeded is given back). On success, `refund` gives all of it back for an
 * attempt that turns out not to count.
 */
export function takeAll(charges: Charge[]): { ok: true; refund(): void } | { ok: false; retryAfterMs: number } {
  const taken: Charge[] = [];
  let refused = false;
  let retryAfterMs = 0;
  for (const charge of charges) {
    const result = charge.limiter.take(charge.key, charge.cost);
    if (result.ok) taken.push(charge);
    else {
      refused = true;
      retryAfterMs = Math.max(retryAfterMs, result.retryAfterMs);
    }
  }
  const refund = () => {
    for (const charge of taken) charge.limiter.refund(charge.key, charge.cost);
  };
  if (refused) {
    refund();
    return { ok: false, retryAfterMs };
  }
  return { ok: true, refund };
}

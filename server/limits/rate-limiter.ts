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
 * for one server (MemoryRateLimiter); shared through Redis when REDIS_URL is
 * set (RedisRateLimiter, redis-rate-limiter.ts), hence async.
 *
 * Guarding work (a password check, a request) is always **take, then
 * refund**: take before the work starts, and give the cost back if the
 * attempt turns out not to count (a sign-in that succeeded). The take itself
 * decides and takes in one step (one atomic script on Redis): looking first
 * and taking after the work lets every attempt that started while the bucket
 * still had room through: 40 parallel sign-ins all saw a full bucket before
 * any scrypt finished.
 */
export interface RateLimiter {
  /** Takes `cost` from the key's bucket; when empty, takes nothing and says how long until it refills enough. */
  take(key: string, cost?: number): Promise<LimitDecision>;
  /** Gives back what a successful `take` took, when that attempt does not count (never above capacity). */
  refund(key: string, cost?: number): Promise<void>;
  /** Looks without taking: only for refusing early (before a body is read); never as the gate in front of work. */
  peek(key: string, cost?: number): Promise<LimitDecision>;
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
    readonly rule: BucketRule,
    private readonly now: () => number = Date.now,
  ) {}

  async take(key: string, cost = 1): Promise<LimitDecision> {
    return this.takeNow(key, cost);
  }

  async peek(key: string, cost = 1): Promise<LimitDecision> {
    return this.peekNow(key, cost);
  }

  async refund(key: string, cost = 1): Promise<void> {
    this.refundNow(key, cost);
  }

  /** The same, synchronously: what the Redis limiter falls back to when Redis does not answer. */
  takeNow(key: string, cost = 1): LimitDecision {
    const bucket = this.bucketFor(key);
    return bucket.take(cost) ? OK : { ok: false, retryAfterMs: bucket.msUntil(cost) };
  }

  peekNow(key: string, cost = 1): LimitDecision {
    // A forgotten bucket is a full one.
    const retryAfterMs = this.buckets.get(key)?.msUntil(cost) ?? 0;
    return retryAfterMs === 0 ? OK : { ok: false, retryAfterMs };
  }

  refundNow(key: string, cost = 1): void {
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

/** The rule of each limit; one place, so the in-process and the Redis limiters cannot drift apart. */
export function limitRules(config: LimitsConfig): Record<keyof Limits, BucketRule> {
  return {
    signInByIp: { capacity: config.signInPerMinute * 2, perMinute: config.signInPerMinute },
    signInByEmail: { capacity: config.signInPerMinute, perMinute: config.signInPerMinute / 2 },
    tokenUse: { capacity: Math.max(10, config.tokenPerMinute / 4), perMinute: config.tokenPerMinute },
    badCredential: { capacity: 30, perMinute: 30 },
  };
}

/**
 * The process's limits: in-process buckets, or, given `shared` (a factory
 * for the Redis-backed limiter), one bucket per key for the whole cluster.
 */
export function createLimits(
  config: LimitsConfig,
  now: () => number = Date.now,
  shared?: (name: keyof Limits, rule: BucketRule) => RateLimiter,
): Limits {
  const rules = limitRules(config);
  const make = (name: keyof Limits) => (shared ? shared(name, rules[name]) : new MemoryRateLimiter(rules[name], now));
  return {
    signInByIp: make('signInByIp'),
    signInByEmail: make('signInByEmail'),
    tokenUse: make('tokenUse'),
    badCredential: make('badCredential'),
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
 * attempt that turns out not to count. The takes run one after another: each
 * is atomic on its own, and a refusal gives back what the earlier ones took.
 */
export async function takeAll(
  charges: Charge[],
): Promise<{ ok: true; refund(): Promise<void> } | { ok: false; retryAfterMs: number }> {
  const taken: Charge[] = [];
  let refused = false;
  let retryAfterMs = 0;
  for (const charge of charges) {
    const result = await charge.limiter.take(charge.key, charge.cost);
    if (result.ok) taken.push(charge);
    else {
      refused = true;
      retryAfterMs = Math.max(retryAfterMs, result.retryAfterMs);
    }
  }
  const refund = async () => {
    for (const charge of taken) await charge.limiter.refund(charge.key, charge.cost);
  };
  if (refused) {
    await refund();
    return { ok: false, retryAfterMs };
  }
  return { ok: true, refund };
}

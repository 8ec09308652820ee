import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';

/**
 * Live sockets one owner (a person: principal-key.ts) holds, against a cap.
 * `hold` takes a slot (or says no), `letGo` gives it back exactly once.
 */
export interface SocketSlots {
  hold(owner: string): Promise<Slot | null>;
  close(): Promise<void>;
}

export interface Slot {
  letGo(): void;
}

/** This process's count per owner: the embedded default, and the insurance of the shared count. */
export class LocalSocketSlots implements SocketSlots {
  private readonly held = new Map<string, number>();

  constructor(private readonly max: number) {}

  async hold(owner: string): Promise<Slot | null> {
    return this.holdNow(owner);
  }

  /** Counts the slot here whatever the answer elsewhere; null (nothing taken) when this process alone is at the cap. */
  holdNow(owner: string, force = false): Slot | null {
    const count = this.held.get(owner) ?? 0;
    if (!force && count >= this.max) return null;
    this.held.set(owner, count + 1);
    let isHeld = true;
    return {
      letGo: () => {
        if (!isHeld) return;
        isHeld = false;
        const left = (this.held.get(owner) ?? 1) - 1;
        if (left > 0) this.held.set(owner, left);
        else this.held.delete(owner);
      },
    };
  }

  async close(): Promise<void> {}
}

/** A slot not renewed for this long is dropped by whoever counts next: the sockets of a SIGKILLed instance free up. */
export const SOCKET_SLOT_TTL_MS = 30_000;
/** The holding instance renews each of its slots this often (a third of the TTL: two renewals may fail). */
export const SOCKET_SLOT_RENEW_MS = 10_000;

/**
 * KEYS[1]: the owner's sorted set of slots (member `<instance>:<slot id>`,
 * score = expiry on Redis's clock). ARGV: member, max, ttl ms.
 * Drops expired slots, then adds this one if the owner is under the cap.
 */
const HOLD_SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

/** KEYS[1]: the owner's set. ARGV: ttl ms, then members to renew (re-added if Redis lost them). */
const RENEW_SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + ttl, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;

interface SlotRedis extends Redis {
  loupeHoldSlot(key: string, member: string, max: number, ttlMs: number): Promise<number>;
  loupeRenewSlots(key: string, ttlMs: number, ...members: string[]): Promise<number>;
}

/**
 * The cap across every instance: one sorted set per owner in Redis
 * (`<prefix>sockets:<owner>`), each slot an entry whose expiry its instance
 * renews every SOCKET_SLOT_RENEW_MS. An instance that dies (SIGKILL) stops
 * renewing and its slots lapse within SOCKET_SLOT_TTL_MS, so a person is
 * never locked out by a dead machine's sockets for longer than that.
 *
 * Every slot is also counted in this process. When Redis does not answer,
 * the decision is this process's alone (the cap then holds per process, as
 * on one machine); a slot taken then is written to Redis by the next renewal.
 * Redis losing its data only lets a person open more sockets until the
 * renewals have written every live slot back (at most SOCKET_SLOT_RENEW_MS).
 */
export class RedisSocketSlots implements SocketSlots {
  private readonly redis: SlotRedis;
  private readonly local: LocalSocketSlots;
  private readonly instance = randomUUID();
  /** This instance's live slots per owner (the members it renews). */
  private readonly mine = new Map<string, Set<string>>();
  private readonly renewTimer: NodeJS.Timeout;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly max: number,
    private readonly logger: Logger,
    private readonly timing: { ttlMs: number; renewMs: number } = { ttlMs: SOCKET_SLOT_TTL_MS, renewMs: SOCKET_SLOT_RENEW_MS },
  ) {
    this.redis = redis as SlotRedis;
    if (typeof this.redis.loupeHoldSlot !== 'function') {
      redis.defineCommand('loupeHoldSlot', { numberOfKeys: 1, lua: HOLD_SCRIPT });
      redis.defineCommand('loupeRenewSlots', { numberOfKeys: 1, lua: RENEW_SCRIPT });
    }
    this.local = new LocalSocketSlots(max);
    this.renewTimer = setInterval(() => void this.renew(), timing.renewMs);
    this.renewTimer.unref();
  }

  async hold(owner: string): Promise<Slot | null> {
    const member = `${this.instance}:${randomUUID()}`;
    const key = this.keyOf(owner);
    let shared: boolean | null = null;
    if (this.redis.status === 'ready') {
      try {
        shared = (await this.redis.loupeHoldSlot(key, member, this.max, this.timing.ttlMs)) === 1;
      } catch (error) {
        this.logger.debug('shared socket count unavailable; counting in this process', { error });
      }
    }
    if (shared === false) return null;
    // Redis said yes: counted here too, whatever this process's own count. Redis silent: this process decides.
    const localSlot = this.local.holdNow(owner, shared === true);
    if (!localSlot) return null;
    let members = this.mine.get(owner);
    if (!members) this.mine.set(owner, (members = new Set()));
    members.add(member);
    let isHeld = true;
    return {
      letGo: () => {
        if (!isHeld) return;
        isHeld = false;
        localSlot.letGo();
        members.delete(member);
        if (members.size === 0 && this.mine.get(owner) === members) this.mine.delete(owner);
        // If Redis misses this, the slot lapses on its own (no renewal).
        if (this.redis.status === 'ready') this.redis.zrem(key, member).catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.renewTimer);
  }

  private keyOf(owner: string): string {
    return `${this.prefix}sockets:${owner}`;
  }

  private async renew(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    for (const [owner, members] of this.mine) {
      if (members.size === 0) continue;
      try {
        await this.redis.loupeRenewSlots(this.keyOf(owner), this.timing.ttlMs, ...members);
      } catch (error) {
        this.logger.debug('could not renew socket slots', { error });
        return;
      }
    }
  }
}

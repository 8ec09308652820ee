import type { RoomName } from '../../lib/protocol/ids';
import type { Store } from '../../lib/store/types';
import type { PubSub } from '../pubsub/types';
import type { Logger } from '../log';
import { CloseCode } from '../../lib/protocol/close-codes';
import { Room } from './room';
import { AnswerBudget } from './limits';

export interface RegistryOptions {
  store: Store;
  pubsub: PubSub;
  nodeId: string;
  logger: Logger;
  /** How long an unused room stays in memory (a grace for agents that push again soon). */
  idleUnloadMs: number;
  /** Content rooms' appends carry the artifact's updated time and size in their transaction (Room.keepsBookkeeping). */
  keepsBookkeeping?: boolean;
  /** Called after a loaded document had items outside its room's rule deleted (see Room.repairStrays). */
  onRepaired?: (room: Room, removed: number) => void;
  /** Runs on a freshly loaded room before anyone can use it (the review projection's reconcile). A failure fails the load. */
  prepare?: (room: Room) => Promise<void>;
  /**
   * When the bus fans out: how often every loaded room checks storage for rows
   * whose news never came (an instance killed between its append and its
   * publish, with nothing written after). One cheap read per room.
   */
  catchUpBackstopMs?: number;
}

/** Default of RegistryOptions.catchUpBackstopMs. */
export const CATCH_UP_BACKSTOP_MS = 10_000;

/**
 * Owns every live room of this process. A room is loaded on first use
 * (concurrent loads share one promise), held by each socket and each HTTP
 * write that uses it, and unloaded once nothing holds it.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly unloading = new Map<string, Promise<void>>();
  private readonly holds = new Map<Room, number>();
  private readonly idleTimers = new Map<Room, NodeJS.Timeout>();
  private readonly options: RegistryOptions;
  /** Per-socket sync answers queued in this process, over every room (see MAX_QUEUED_OWN_ANSWER_BYTES). */
  private readonly answers = new AnswerBudget();
  private isClosing = false;
  /** Counts bus resyncs, so a load that overlapped one catches up once it is done. */
  private resyncs = 0;
  private readonly stopResync: () => void;
  private readonly backstop: NodeJS.Timeout | null = null;

  constructor(options: RegistryOptions) {
    this.options = options;
    // The bus may have dropped messages: every loaded room reads what it lacks from storage.
    this.stopResync = options.pubsub.onResync(() => {
      this.resyncs++;
      this.catchUpAll();
    });
    if (options.pubsub.fansOut) {
      this.backstop = setInterval(() => this.catchUpAll(), options.catchUpBackstopMs ?? CATCH_UP_BACKSTOP_MS);
      this.backstop.unref();
    }
  }

  private catchUpAll(): void {
    for (const room of this.rooms.values()) void room.catchUp().catch(() => {});
  }

  get size(): number {
    return this.rooms.size;
  }

  /** The live room, if loaded; never loads. */
  peek(docName: string): Room | undefined {
    return this.rooms.get(docName);
  }

  /** Every room loaded now (a snapshot). */
  loaded(): Room[] {
    return [...this.rooms.values()];
  }

  async acquire(name: RoomName): Promise<Room> {
    if (this.isClosing) throw new Error('registry is closing');
    const unloading = this.unloading.get(name.docName);
    if (unloading) await unloading;
    const room = await this.load(name);
    this.holds.set(room, (this.holds.get(room) ?? 0) + 1);
    const timer = this.idleTimers.get(room);
    if (timer) {
      clearTimeout(timer);
      this.idleTimers.delete(room);
    }
    return room;
  }

  release(room: Room): void {
    const holds = (this.holds.get(room) ?? 1) - 1;
    if (holds > 0) {
      this.holds.set(room, holds);
      return;
    }
    this.holds.delete(room);
    if (this.rooms.get(room.name.docName) !== room) return;
    const timer = setTimeout(() => {
      this.idleTimers.delete(room);
      void this.unload(room);
    }, this.options.idleUnloadMs);
    this.idleTimers.set(room, timer);
  }

  /** Runs `task` holding the room, then releases it. */
  async withRoom<T>(name: RoomName, task: (room: Room) => Promise<T>): Promise<T> {
    const room = await this.acquire(name);
    try {
      return await task(room);
    } finally {
      this.release(room);
    }
  }

  private load(name: RoomName): Promise<Room> {
    const live = this.rooms.get(name.docName);
    if (live) return Promise.resolve(live);
    const inFlight = this.loading.get(name.docName);
    if (inFlight) return inFlight;
    const resyncsAtStart = this.resyncs;
    const promise = Room.load({
      name,
      store: this.options.store,
      pubsub: this.options.pubsub,
      nodeId: this.options.nodeId,
      logger: this.options.logger,
      keepsBookkeeping: this.options.keepsBookkeeping,
      onRepaired: this.options.onRepaired,
      onBroken: (room) => this.forget(room),
      answers: this.answers,
    })
      .then(async (room) => {
        try {
          await this.options.prepare?.(room);
        } catch (error) {
          room.destroy();
          throw error;
        }
        this.rooms.set(name.docName, room);
        if (this.resyncs !== resyncsAtStart) void room.catchUp().catch(() => {});
        return room;
      })
      .finally(() => this.loading.delete(name.docName));
    this.loading.set(name.docName, promise);
    return promise;
  }

  private forget(room: Room): void {
    if (this.rooms.get(room.name.docName) === room) this.rooms.delete(room.name.docName);
    const timer = this.idleTimers.get(room);
    if (timer) clearTimeout(timer);
    this.idleTimers.delete(room);
    // Holders finish against the broken room (their writes fail); it is freed once they let go.
    setImmediate(() => room.destroy());
  }

  /**
   * Closes a loaded room now (its members get `code`), flushing what is
   * pending: used before an artifact is purged. Holders of it keep a closed room.
   */
  async evict(docName: string, code: number, reason: string): Promise<void> {
    const inFlight = this.loading.get(docName);
    if (inFlight) await inFlight.catch(() => undefined);
    const room = this.rooms.get(docName);
    if (room) {
      const timer = this.idleTimers.get(room);
      if (timer) clearTimeout(timer);
      this.idleTimers.delete(room);
      await this.unload(room, code, reason);
    }
    await this.unloading.get(docName);
  }

  private unload(room: Room, code: number = CloseCode.GOING_AWAY, reason = 'Room unloaded.'): Promise<void> {
    if (this.rooms.get(room.name.docName) !== room) return Promise.resolve();
    this.rooms.delete(room.name.docName);
    const done = room
      .close(code, reason)
      .catch((error: unknown) => this.options.logger.error('room close failed', { doc: room.name.docName, error }))
      .finally(() => this.unloading.delete(room.name.docName));
    this.unloading.set(room.name.docName, done);
    return done;
  }

  /** Closes every room (flushing what is pending) for shutdown. */
  async closeAll(code: number = CloseCode.SHUTTING_DOWN): Promise<void> {
    this.isClosing = true;
    this.stopResync();
    if (this.backstop) clearInterval(this.backstop);
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    await Promise.allSettled(Array.from(this.loading.values()));
    const rooms = Array.from(this.rooms.values());
    this.rooms.clear();
    await Promise.all(rooms.map((room) => room.close(code, 'Server shutting down.')));
    await Promise.all(Array.from(this.unloading.values()));
  }
}

import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import { AppError } from '../../lib/errors';
import { MAX_PAGE_BYTES, MessageType, SyncMessageType } from '../../lib/protocol/messages';
import { CloseCode } from '../../lib/protocol/close-codes';
import type { RoomName } from '../../lib/protocol/ids';
import { htmlOf } from '../../lib/artifact/doc-shape';
import type { ArtifactTouch, Store, StoredDoc } from '../../lib/store/types';
import type { PubSub, PubSubMessage } from '../pubsub/types';
import type { Logger } from '../log';
import type { Member, Peer } from './peer';
import {
  encodeAwarenessFrame,
  encodeSyncStep1Frame,
  encodeSyncStep2Frame,
  encodeUpdateFrame,
  isEmptyStateVector,
} from './frames';
import { encodeAwarenessEntries, readAwarenessEntries, type AwarenessEntry } from './awareness-filter';
import { AnswerBudget, MAX_AWARENESS_IDS_PER_SOCKET, MAX_ROOM_AWARENESS_BYTES, SMALL_PRESENCE_BYTES, AWARENESS_MIN_MESSAGE_BYTES } from './limits';
import { checkClientUpdate, deleteStrayItems, findStrayItems, MAX_DOC_BYTES } from './update-schema';
import { DocSizeGauge } from './doc-size';

/** Origins of Yjs changes that must not be persisted again. */
export const ORIGIN_LOAD = Symbol('load');
export const ORIGIN_REMOTE = Symbol('remote');
const ORIGIN_SERVER_PRESENCE = Symbol('server-presence');
/** The server deleting what a stored document holds outside its room's rule (see repairStrays). */
export const ORIGIN_REPAIR = Symbol('repair');

/** Compact the update log into a snapshot after this many updates or bytes. */
const COMPACT_AFTER_UPDATES = 1_000;
const COMPACT_AFTER_BYTES = 8 * 1024 * 1024;
/** Presence changes of one window go out as one frame to everyone. */
const AWARENESS_BATCH_MS = 25;
/** Bus messages held while a catch-up reads storage (past these, storage has them anyway: dropped, read later). */
const MAX_HELD_REMOTE = 1_024;
const MAX_HELD_REMOTE_BYTES = 16 * 1024 * 1024;

export interface RoomOptions {
  name: RoomName;
  store: Store;
  pubsub: PubSub;
  nodeId: string;
  logger: Logger;
  /** The content room's appends carry the artifact's updated time and size, in the same transaction. */
  keepsBookkeeping?: boolean;
  /** Called when storage fails: the registry drops the room so the next load reads storage. */
  onBroken?: (room: Room) => void;
  /** Called after items outside the room's rule were deleted from the stored document (for the audit log). */
  onRepaired?: (room: Room, removed: number) => void;
  /** The process's budget of per-socket sync answers (shared by every room of a registry). */
  answers?: AnswerBudget;
}

interface PendingUpdate {
  update: Uint8Array;
  origin: unknown;
}

/**
 * One live document: its Y.Doc, awareness, members and the write path.
 *
 * Write path invariant: every change (a writer's update, kept as the bytes it
 * sent; an HTTP push, captured by applyLocal) is applied to the doc, queued,
 * and committed to the store with the rest of its event-loop turn in one
 * transaction; only then is it broadcast (merged frames, each encoded once
 * for every reader) and published to other processes, and only then do HTTP
 * writers get their answer.
 */
export class Room {
  readonly name: RoomName;
  private readonly ydoc: Y.Doc;
  /** Stored state not yet applied to the doc: a cold reader is served the stored bytes without building it. */
  private unapplied: StoredDoc | null = null;
  readonly awareness: awarenessProtocol.Awareness;
  readonly members = new Map<Peer, Member>();
  /** Updates dropped because their sender may not write (observable in tests and logs). */
  droppedWrites = 0;
  /**
   * The highest stored seq such that every update of this document up to it
   * is applied here. Advanced by own appends and by bus messages that follow
   * on exactly; a gap is filled from storage (catchUp). It is the ETag.
   */
  appliedSeq = 0;
  /** Storage catch-ups made (gaps, resyncs, read-your-writes): observable in tests. */
  catchUps = 0;
  isBroken = false;

  /** The ETag seq (kept under its old name for callers). */
  get lastSeq(): number {
    return this.appliedSeq;
  }

  private readonly options: RoomOptions;
  private readonly answers: AnswerBudget;
  private pending: PendingUpdate[] = [];
  private scheduled: Promise<void> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private fullStateFrame: Uint8Array | null = null;
  private tailUpdates = 0;
  private tailBytes = 0;
  /** Writers whose sync step 1 from us waits for their own step 1 (see join). */
  private readonly awaitingStep1 = new Set<Peer>();
  private readonly awarenessDirty = new Set<number>();
  private readonly awarenessToPublish = new Set<number>();
  private awarenessTimer: NodeJS.Timeout | null = null;
  /** Every awareness state as one frame, built once until presence changes (joiners and queries share it). */
  private awarenessFrame: Uint8Array | null = null;
  /** UTF-8 bytes of each awareness state's JSON, and their sum (bounded by MAX_ROOM_AWARENESS_BYTES). */
  private readonly awarenessStateBytes = new Map<number, number>();
  private awarenessBytes = 0;
  private readonly unsubscribe: () => void;
  /** Other processes write this document too (the bus fans out): seqs are tracked, gaps read from storage. */
  private readonly shared: boolean;
  /** The highest seq known to be stored (from the bus, own appends, latestSeq); the catch-up reads up to it. */
  private wantedSeq = 0;
  private catchingUp: Promise<void> | null = null;
  /** Update messages that arrived while a catch-up was reading: applied after it when they follow on. */
  private heldRemote: PubSubMessage[] = [];
  private heldRemoteBytes = 0;
  private compactingShared: Promise<void> | null = null;
  /**
   * When each id a connection here claimed was claimed (this server's clock). Sent with the
   * presence this process publishes, so instances that both let a connection claim the same id
   * (neither had heard of the other's yet) agree on one owner: the earlier claim (see takeRemotePresence).
   */
  private readonly claimedAt = new Map<number, number>();
  /** Ids of this room's connections whose state the server told again above another instance's clock. */
  private readonly restated = new Set<number>();
  /** Awareness entries the server speaks for (agents writing over HTTP); no connection may claim them. */
  private readonly serverPresence = new Set<number>();
  /** Bounds the whole encoded document, not only the page text; its estimate is also what a sync answer reserves. */
  private readonly size: DocSizeGauge;

  private constructor(options: RoomOptions, doc: Y.Doc, unsubscribe: () => void) {
    this.options = options;
    this.shared = options.pubsub.fansOut;
    this.unsubscribe = unsubscribe;
    this.answers = options.answers ?? new AnswerBudget();
    this.name = options.name;
    this.ydoc = doc;
    this.size = new DocSizeGauge(MAX_DOC_BYTES[options.name.kind], () => Y.encodeStateAsUpdate(this.doc).byteLength, 0);
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.awareness.setLocalState(null);
    // No 'update' listener on purpose: Yjs would re-encode every applied update, and for a
    // writer appending to a long text that encoding slices one ever-growing merged string
    // (quadratic). Peers' updates are stored and relayed as the bytes they sent.
    this.awareness.on('update', (change: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) =>
      this.handleAwarenessChange(change, origin),
    );
  }

  /**
   * Subscribes, waits for the bus to confirm, then reads snapshot + tail from
   * storage: whatever another process stores meanwhile is either in the read
   * or arrives on the bus (held here until the room exists). Throws on
   * failure: no empty doc ever stands in for stored data.
   */
  static async load(options: RoomOptions): Promise<Room> {
    const channel = roomChannel(options.name.docName);
    let room: Room | null = null;
    const early: PubSubMessage[] = [];
    let earlyBytes = 0;
    let missedEarly = false;
    const unsubscribe = options.pubsub.subscribe(channel, (message) => {
      if (room) room.handleRemote(message);
      else if (early.length < MAX_HELD_REMOTE && earlyBytes + message.payload.byteLength <= MAX_HELD_REMOTE_BYTES) {
        early.push(message);
        earlyBytes += message.payload.byteLength;
      } else missedEarly = true;
    });
    let stored: StoredDoc;
    try {
      if (options.pubsub.fansOut) await options.pubsub.whenSubscribed(channel);
      stored = await options.store.loadDoc(options.name.docName);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    room = new Room(options, new Y.Doc({ gc: true }), unsubscribe);
    room.appliedSeq = stored.lastSeq;
    room.wantedSeq = stored.lastSeq;
    room.tailUpdates = stored.updates.length;
    room.tailBytes = stored.updates.reduce((n, u) => n + u.byteLength, 0);
    room.unapplied = stored;
    room.size.grew((stored.snapshot?.byteLength ?? 0) + room.tailBytes);
    if (stored.snapshot && stored.updates.length === 0) {
      // Freshly compacted: joiners get the stored bytes as they are; the doc is built on first real need.
      room.fullStateFrame = encodeSyncStep2Frame(stored.snapshot);
      room.size.measured(stored.snapshot.byteLength);
    } else {
      room.materialize();
    }
    if (room.needsCompaction()) void room.compactInTurn().catch(() => {});
    for (const message of early) room.handleRemote(message);
    if (missedEarly) void room.catchUp().catch(() => {});
    // Presence lives only in memory: the instances already holding this room are asked for theirs, so whoever
    // joins here sees who is there now, not only once each of them next renews (a stock client does every 15 s).
    if (options.pubsub.fansOut) room.publishRemote(PRESENCE_QUERY, new Uint8Array());
    return room;
  }

  /** The live document, built from storage on first use. */
  get doc(): Y.Doc {
    this.materialize();
    return this.ydoc;
  }

  private materialize(): void {
    const stored = this.unapplied;
    if (!stored) return;
    this.unapplied = null;
    this.ydoc.transact(() => {
      if (stored.snapshot) Y.applyUpdate(this.ydoc, stored.snapshot);
      for (const update of stored.updates) Y.applyUpdate(this.ydoc, update);
    }, ORIGIN_LOAD);
    this.repairStrays();
  }

  /**
   * Deletes, inside the CRDT, what the stored document holds outside the
   * room's rule (written before the rule existed), then compacts so the
   * stored snapshot no longer holds it either. The deletions are not appended
   * as an update of their own: a reload would replay them against the old
   * snapshot top-down, which is what overflows the stack on deep nesting.
   * Until the compaction lands, every load repairs again. Deletions win over
   * any client re-sending the same items, and the schema refuses them anyway.
   */
  private repairStrays(): void {
    const strays = findStrayItems(this.name.kind, this.ydoc);
    if (strays.length === 0) return;
    const { update, removed } = deleteStrayItems(this.ydoc, strays, ORIGIN_REPAIR);
    this.options.logger.warn('deleted content outside the room rule', { doc: this.name.docName, removed });
    this.fullStateFrame = null;
    if (update) this.broadcast(encodeUpdateFrame(update), null);
    void this.compactInTurn({ force: true }).catch(() => {});
    this.options.onRepaired?.(this, removed);
  }

  // ---- members ---------------------------------------------------------

  join(member: Member): void {
    this.members.set(member.peer, member);
    // A reconnecting client (its instance gone) gets anything whose news was lost with it, without waiting for the backstop.
    if (this.shared) void this.catchUp().catch(() => {});
    // Writers are asked for what they have that we lack; readers' state is never taken.
    // While the doc is still only stored bytes, the question waits until the writer has had
    // its own answer (building a 16 MiB doc must not delay the bytes it is waiting for).
    if (member.access === 'write') {
      if (this.unapplied) this.awaitingStep1.add(member.peer);
      else this.sendSyncStep1(member.peer);
    }
    if (this.awareness.getStates().size > 0) member.peer.send(this.allAwarenessFrame());
  }

  private sendSyncStep1(peer: Peer): void {
    peer.send(encodeSyncStep1Frame(Y.encodeStateVector(this.doc)));
  }

  /** Sends a writer the step 1 that join deferred, once it has been answered itself. */
  private sendDeferredSyncStep1(peer: Peer): void {
    if (this.awaitingStep1.delete(peer)) this.sendSyncStep1(peer);
  }

  private allAwarenessFrame(): Uint8Array {
    if (this.awarenessFrame) return this.awarenessFrame;
    const ids = Array.from(this.awareness.getStates().keys());
    this.awarenessFrame = encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids));
    return this.awarenessFrame;
  }

  leave(peer: Peer): void {
    const member = this.members.get(peer);
    if (!member) return;
    this.members.delete(peer);
    this.awaitingStep1.delete(peer);
    member.budget.dispose();
    for (const id of member.awarenessIds) {
      this.claimedAt.delete(id);
      this.restated.delete(id);
    }
    if (member.awarenessIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, Array.from(member.awarenessIds), 'leave');
    }
  }

  /**
   * Handles one binary message from a member. Throws AppError for bad input; the caller closes that socket only.
   * Returns true when it changed the document (an empty sync answer, awareness or a dropped write does not).
   */
  receive(peer: Peer, data: Uint8Array): boolean {
    const member = this.members.get(peer);
    if (!member) return false;
    const decoder = decoding.createDecoder(data);
    let type: number;
    try {
      type = decoding.readVarUint(decoder);
    } catch (error) {
      throw new AppError('bad_request', 'Empty or unreadable message.', { cause: error });
    }
    switch (type) {
      case MessageType.SYNC:
        return this.receiveSync(member, decoder);
      case MessageType.AWARENESS:
        this.receiveAwareness(member, readBytes(decoder));
        return false;
      case MessageType.QUERY_AWARENESS:
        this.answerAwarenessQuery(member);
        return false;
      case MessageType.AUTH:
        return false; // Clients have nothing to say here; permission is decided on upgrade.
      default:
        throw new AppError('bad_request', `Unknown message type ${type}.`);
    }
  }

  private receiveSync(member: Member, decoder: decoding.Decoder): boolean {
    let kind: number;
    try {
      kind = decoding.readVarUint(decoder);
    } catch (error) {
      throw new AppError('bad_request', 'Sync message without a kind.', { cause: error });
    }
    const payload = readBytes(decoder);
    if (kind === SyncMessageType.STEP1) {
      this.answerSyncStep1(member, payload);
      this.sendDeferredSyncStep1(member.peer);
      return false;
    }
    this.sendDeferredSyncStep1(member.peer);
    if (kind !== SyncMessageType.STEP2 && kind !== SyncMessageType.UPDATE) {
      throw new AppError('bad_request', `Unknown sync message kind ${kind}.`);
    }
    if (member.access !== 'write') {
      // Read-only members' updates are dropped whatever the client claims.
      this.droppedWrites++;
      return false;
    }
    const decoded = decodeUpdateOrThrow(payload);
    // A client's answer to our sync step 1 is often empty: nothing to apply, store or relay.
    if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) return false;
    this.checkPageLimit(payload, decoded);
    this.checkSchema(payload, decoded);
    Y.applyUpdate(this.doc, payload, member.peer);
    this.enqueue(payload, member.peer);
    return true;
  }

  /**
   * A sync step 1 makes the server encode what the client lacks, up to the
   * whole document: one such answer at a time per socket, within its budget
   * of whole-state requests (see limits.ts).
   */
  private answerSyncStep1(member: Member, stateVector: Uint8Array): void {
    takeStateRequest(member);
    // The answer still on its way covers this request; what changes after it is broadcast.
    if (member.budget.isSyncAnswerQueued) return;
    // An answer made for this socket alone (a non-empty state vector) counts against the process's
    // budget, at its largest possible size, before it is made; past the budget the shared full-state
    // frame (a superset the client merges) goes out instead.
    let frame: Uint8Array;
    let owned = 0;
    if (isEmptyStateVector(stateVector)) frame = this.sharedFullStateFrame();
    else if (this.answers.take(this.size.estimate)) {
      owned = this.size.estimate;
      frame = this.syncStep2For(stateVector);
    } else frame = this.sharedFullStateFrame();
    member.budget.isSyncAnswerQueued = true;
    member.peer.send(frame, () => {
      member.budget.isSyncAnswerQueued = false;
      this.answers.release(owned);
    });
  }

  /** Every presence state, once at a time per socket and within its budget of whole-state requests. */
  private answerAwarenessQuery(member: Member): void {
    takeStateRequest(member);
    if (member.budget.isAwarenessAnswerQueued) return;
    member.budget.isAwarenessAnswerQueued = true;
    member.peer.send(this.allAwarenessFrame(), () => {
      member.budget.isAwarenessAnswerQueued = false;
    });
  }

  /** The whole document as one sync answer, encoded once per change and shared by every socket. */
  private sharedFullStateFrame(): Uint8Array {
    if (!this.fullStateFrame) {
      const state = Y.encodeStateAsUpdate(this.doc);
      this.size.measured(state.byteLength);
      this.fullStateFrame = encodeSyncStep2Frame(state);
    }
    return this.fullStateFrame;
  }

  private syncStep2For(stateVector: Uint8Array): Uint8Array {
    let update: Uint8Array;
    try {
      update = Y.encodeStateAsUpdate(this.doc, stateVector);
    } catch (error) {
      throw new AppError('bad_request', 'State vector does not decode.', { cause: error });
    }
    return encodeSyncStep2Frame(update);
  }

  /**
   * The page may not grow past the limit through live edits either. An
   * update can insert at most as many UTF-16 units as it has bytes, so the
   * exact count is only taken when that bound could cross the limit.
   */
  private checkPageLimit(update: Uint8Array, decoded: ReturnType<typeof Y.decodeUpdate>): void {
    if (this.name.kind !== 'content') return;
    const current = htmlOf(this.doc).length;
    if (current + update.byteLength <= MAX_PAGE_BYTES) return;
    let inserted = 0;
    for (const struct of decoded.structs) {
      if (struct instanceof Y.Item && struct.content instanceof Y.ContentString) inserted += struct.content.str.length;
    }
    if (current + inserted > MAX_PAGE_BYTES) {
      throw new AppError('payload_too_large', `The page would exceed the limit of ${MAX_PAGE_BYTES} bytes (16 MiB).`);
    }
  }

  /** Refuses, before anything is applied, what this room's clients may not write or what would make the document too large. */
  private checkSchema(update: Uint8Array, decoded: ReturnType<typeof Y.decodeUpdate>): void {
    checkClientUpdate(this.name.kind, this.doc, decoded);
    // Deletions alone never grow the document: a document over its limit can still be trimmed.
    if (decoded.structs.length > 0) this.size.admit(update.byteLength, this.name.kind === 'notes' ? 'notes document' : 'document');
  }

  /**
   * Presence from a connection: only for ids it may claim, within its byte
   * budget (the latest state per id waits past it, coalesced) and the room's.
   */
  private receiveAwareness(member: Member, update: Uint8Array): void {
    const entries = readAwarenessEntries(update, member.identity, (id) => this.claim(member, id));
    for (const entry of entries) member.budget.pendingAwareness.set(entry.clientId, entry);
    this.applyPendingAwareness(member);
  }

  /**
   * A connection speaks for the ids it claimed first, up to
   * MAX_AWARENESS_IDS_PER_SOCKET; never for an id another connection, the
   * server or another process has a state for. Returns whether it may.
   */
  private claim(member: Member, clientId: number): boolean {
    if (member.awarenessIds.has(clientId)) return true;
    if (member.awarenessIds.size >= MAX_AWARENESS_IDS_PER_SOCKET) return false;
    if (this.serverPresence.has(clientId) || this.awareness.getStates().has(clientId)) return false;
    for (const other of this.members.values()) {
      if (other !== member && other.awarenessIds.has(clientId)) return false;
    }
    member.awarenessIds.add(clientId);
    this.claimedAt.set(clientId, Date.now());
    return true;
  }

  /** Applies what a connection's byte budget allows now; the rest waits for the budget to refill. */
  private applyPendingAwareness(member: Member): void {
    const budget = member.budget;
    if (budget.pendingTimer || budget.pendingAwareness.size === 0) return;
    const entries = Array.from(budget.pendingAwareness.values());
    const cost = Math.max(AWARENESS_MIN_MESSAGE_BYTES, entries.reduce((n, e) => n + Buffer.byteLength(e.state), 0));
    if (!budget.awarenessBytes.take(cost)) {
      budget.pendingTimer = setTimeout(() => {
        budget.pendingTimer = null;
        if (this.members.get(member.peer) === member) this.applyPendingAwareness(member);
      }, budget.awarenessBytes.msUntil(cost));
      return;
    }
    budget.pendingAwareness.clear();
    const fitting = entries.filter((entry) => this.fitsRoomAwareness(member, entry));
    if (fitting.length === 0) return;
    // The connection alone speaks for its ids here, so after the server told its state again with a
    // higher clock (takeRemotePresence), what it sends before hearing that is still its newest state:
    // y-protocols would otherwise drop the client's next changes.
    for (const entry of fitting) {
      const current = this.awareness.meta.get(entry.clientId)?.clock ?? 0;
      if (this.restated.has(entry.clientId) && entry.clock <= current) entry.clock = current + 1;
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(fitting), member.peer);
  }

  /**
   * The room holds at most MAX_ROOM_AWARENESS_BYTES of presence; a state that
   * would cross it is dropped (the connection's previous one stays), unless the
   * connection's presence stays within SMALL_PRESENCE_BYTES: real people's
   * small states always fit, whatever others have filled the room with.
   */
  private fitsRoomAwareness(member: Member, entry: AwarenessEntry): boolean {
    if (entry.state === 'null') return true;
    const before = this.awarenessStateBytes.get(entry.clientId) ?? 0;
    const size = Buffer.byteLength(entry.state);
    if (this.awarenessBytes - before + size <= MAX_ROOM_AWARENESS_BYTES) return true;
    let own = size - before;
    for (const id of member.awarenessIds) own += this.awarenessStateBytes.get(id) ?? 0;
    return own <= SMALL_PRESENCE_BYTES;
  }

  /**
   * Sets (or, with null, removes) a presence entry the server speaks for,
   * such as an agent streaming over HTTP. Like any awareness state it times
   * out after 30 s unless set again, so the caller renews it while it holds.
   */
  setServerPresence(clientId: number, state: Record<string, unknown> | null): void {
    if (state === null && !this.awareness.getStates().has(clientId)) {
      this.serverPresence.delete(clientId);
      return;
    }
    const clock = (this.awareness.meta.get(clientId)?.clock ?? 0) + 1;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, JSON.stringify(state));
    if (state) this.serverPresence.add(clientId);
    else this.serverPresence.delete(clientId);
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encoding.toUint8Array(encoder), ORIGIN_SERVER_PRESENCE);
  }

  // ---- the write path --------------------------------------------------

  /** Resolves once every change made so far is durable (and broadcast). */
  whenDurable(): Promise<void> {
    if (this.scheduled) return this.scheduled;
    return this.chain;
  }

  /** Whether other processes write this document too (the bus fans out): reads and writes then catch up first. */
  get isShared(): boolean {
    return this.shared;
  }

  /**
   * Durable, and caught up with what any process has stored: what an HTTP
   * read, diff or version cut stands on. In the single-process default it is
   * whenDurable itself (no read, no extra await).
   */
  upToDate(): Promise<void> {
    if (!this.shared) return this.whenDurable();
    return this.whenDurable().then(() => this.catchUp());
  }

  /**
   * Durable, and appliedSeq covers every row this room stored (an own append
   * that landed after another process's row is read back first), so the ETag
   * answered after a write names what was written. No extra read.
   */
  whenApplied(): Promise<void> {
    if (!this.shared) return this.whenDurable();
    return this.whenDurable().then(() => this.catchingUp ?? undefined);
  }

  /**
   * Applies a change made here (an HTTP write) and queues it. The server's own
   * client id is retired once it has authored 64 Ki units, so Yjs never merges
   * its inserts into one ever-growing item (encoding those is what turns long
   * appends quadratic). True when it changed the document (an append will store it).
   */
  applyLocal(change: (doc: Y.Doc) => void, origin: unknown): boolean {
    if (Y.getState(this.doc.store, this.doc.clientID) > MAX_ITEMS_PER_CLIENT_ID) this.doc.clientID = newClientId();
    const captured: Uint8Array[] = [];
    const capture = (update: Uint8Array) => captured.push(update);
    this.doc.on('update', capture);
    try {
      this.doc.transact(() => change(this.doc), origin);
    } finally {
      this.doc.off('update', capture);
    }
    for (const update of captured) this.enqueue(update, origin);
    return captured.length > 0;
  }

  private enqueue(update: Uint8Array, origin: unknown): void {
    this.fullStateFrame = null;
    this.size.grew(update.byteLength);
    this.pending.push({ update, origin });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.scheduled) return;
    const flush = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.scheduled = null;
        const batch = this.pending;
        this.pending = [];
        this.serialize(() => this.persist(batch)).then(resolve, reject);
      });
    });
    // WebSocket writers do not await; failures are handled in persist, never unhandled.
    flush.catch(() => {});
    this.scheduled = flush;
  }

  /** Serialises storage work for this document: appends and compactions never interleave. */
  private serialize(task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => {});
    return run;
  }

  /**
   * A page's size as an HTTP write knows it (noteSize), taken by the next append; without one the
   * size is measured from the document at most once a second (encoding a 16 MiB page as text is not free).
   */
  private sizeHint: number | null = null;
  private sizeMeasuredAt = 0;

  /** The page's UTF-8 size after the changes about to be applied (an HTTP write knows it without measuring). */
  noteSize(bytes: number): void {
    this.sizeHint = bytes;
  }

  /** The artifact's updated time (and size) for the append about to commit, in its transaction: content rooms only. */
  private bookkeeping(): ArtifactTouch | undefined {
    if (this.name.kind !== 'content' || !this.options.keepsBookkeeping) return undefined;
    const now = Date.now();
    let sizeBytes: number | undefined;
    if (this.sizeHint !== null) {
      sizeBytes = this.sizeHint;
      this.sizeHint = null;
      this.sizeMeasuredAt = now;
    } else if (now - this.sizeMeasuredAt >= SIZE_MEASURE_INTERVAL_MS) {
      sizeBytes = Buffer.byteLength(htmlOf(this.doc).toString());
      this.sizeMeasuredAt = now;
    }
    return { artifactId: this.name.artifactId, updatedAt: now, sizeBytes };
  }

  private async persist(batch: PendingUpdate[]): Promise<void> {
    if (batch.length === 0 || this.isBroken) return;
    // One transaction per turn. Rows stay one per update: an insert is cheaper than a merge.
    let seqs: number[];
    try {
      seqs = await this.options.store.appendUpdates(
        batch.map((entry) => ({ docName: this.name.docName, data: entry.update })),
        this.bookkeeping(),
      );
    } catch (error) {
      this.fail(error);
      throw new AppError('internal', 'Storage failed; the change was not saved.', { cause: error });
    }
    const firstSeq = seqs[0];
    const lastSeq = seqs[seqs.length - 1];
    if (!this.shared) this.appliedSeq = lastSeq;
    else this.noteOwnAppend(firstSeq, lastSeq, seqs.length);
    this.tailUpdates += batch.length;
    for (const entry of batch) this.tailBytes += entry.update.byteLength;
    const soleOrigin = batch.every((entry) => entry.origin === batch[0].origin) ? batch[0].origin : null;
    // Merge the turn into few frames, each encoded once for every reader (the flood case).
    // Yjs merging grows superlinear with the count, so it goes in chunks.
    const merged = mergeInChunks(batch.map((entry) => entry.update));
    for (const update of merged) this.broadcast(encodeUpdateFrame(update), soleOrigin);
    if (this.shared) this.options.pubsub.publish(roomChannel(this.name.docName), {
      nodeId: this.options.nodeId,
      kind: 'update',
      payload: merged.length === 1 ? merged[0] : Y.mergeUpdates(merged),
      firstSeq,
      lastSeq,
    });
    if (!this.needsCompaction()) return;
    // Shared: built from storage under a lock of its own, off this chain, so appends keep flowing meanwhile.
    if (this.shared) void this.compact().catch(() => {});
    else await this.compact();
  }

  /** Own rows follow on what is applied: advance. Otherwise another process stored in between: read it. */
  private noteOwnAppend(firstSeq: number, lastSeq: number, count: number): void {
    if (!this.catchingUp && firstSeq === this.appliedSeq + 1 && lastSeq - firstSeq + 1 === count) {
      this.appliedSeq = lastSeq;
      this.wantedSeq = Math.max(this.wantedSeq, lastSeq);
      return;
    }
    if (lastSeq <= this.appliedSeq) return;
    this.wantedSeq = Math.max(this.wantedSeq, lastSeq);
    void this.catchUpNow().catch(() => {});
  }

  // ---- catching up from storage (only when the bus fans out) -----------------

  /**
   * Brings the room up to what storage holds now (read-your-writes before an
   * HTTP write is diffed, a page read or a version cut; resyncs after the bus
   * reconnects). A no-op, without any read, in the single-process default.
   */
  async catchUp(): Promise<void> {
    if (!this.shared || this.isBroken) return;
    const latest = await this.options.store.latestSeq(this.name.docName);
    if (latest > this.wantedSeq) this.wantedSeq = latest;
    await this.catchUpNow();
  }

  /** One catch-up in flight per room; whoever raises wantedSeq meanwhile is served by the same loop. */
  private catchUpNow(): Promise<void> {
    if (this.catchingUp) return this.catchingUp;
    if (this.isBroken || this.appliedSeq >= this.wantedSeq) return Promise.resolve();
    this.catchingUp = this.runCatchUp();
    return this.catchingUp;
  }

  private async runCatchUp(): Promise<void> {
    try {
      while (!this.isBroken && this.appliedSeq < this.wantedSeq) {
        let stored: StoredDoc;
        try {
          stored = await this.options.store.loadDocAfter(this.name.docName, this.appliedSeq);
        } catch (error) {
          // Behind storage and unable to read it: everyone reconnects and loads afresh.
          this.fail(error);
          // A storage error keeps its own code (an unreachable database answers 503).
          if (error instanceof AppError) throw error;
          throw new AppError('internal', 'Storage failed; the document could not be brought up to date.', { cause: error });
        }
        if (this.isBroken) return;
        const before = this.appliedSeq;
        this.catchUps++;
        this.applyStored(stored);
        this.applyHeldRemote();
        if (this.appliedSeq === before && this.appliedSeq < this.wantedSeq) {
          // Told of seqs storage does not have (another deployment on this Redis prefix?): nothing more to read.
          this.options.logger.warn('bus announced updates storage does not hold', { doc: this.name.docName, applied: this.appliedSeq, wanted: this.wantedSeq });
          this.wantedSeq = this.appliedSeq;
        }
      }
    } finally {
      this.catchingUp = null;
    }
  }

  /** Applies what storage returned past appliedSeq and shows readers only what was new here. */
  private applyStored(stored: StoredDoc): void {
    const pieces = stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates;
    if (pieces.length > 0) {
      const doc = this.doc;
      const known = Y.encodeStateVector(doc);
      doc.transact(() => {
        for (const piece of pieces) Y.applyUpdate(doc, piece);
      }, ORIGIN_REMOTE);
      for (const merged of mergeInChunks(pieces)) {
        const news = Y.diffUpdate(merged, known);
        if (news.byteLength <= EMPTY_UPDATE_BYTES) continue;
        this.fullStateFrame = null;
        this.size.grew(news.byteLength);
        this.broadcast(encodeUpdateFrame(news), null);
      }
    }
    if (stored.lastSeq > this.appliedSeq) this.appliedSeq = stored.lastSeq;
  }

  private applyHeldRemote(): void {
    const held = this.heldRemote.sort((a, b) => (a.firstSeq ?? 0) - (b.firstSeq ?? 0));
    this.heldRemote = [];
    this.heldRemoteBytes = 0;
    for (const message of held) this.takeRemoteUpdate(message, true);
  }

  /** A bus update: applied when it follows on exactly, ignored when already held, else a gap read from storage. */
  private takeRemoteUpdate(message: PubSubMessage, inCatchUp = false): void {
    const lastSeq = message.lastSeq ?? 0;
    const firstSeq = message.firstSeq ?? 0;
    if (lastSeq <= this.appliedSeq) return;
    if (lastSeq > this.wantedSeq) this.wantedSeq = lastSeq;
    if (this.catchingUp && !inCatchUp) {
      if (this.heldRemote.length < MAX_HELD_REMOTE && this.heldRemoteBytes + message.payload.byteLength <= MAX_HELD_REMOTE_BYTES) {
        this.heldRemote.push(message);
        this.heldRemoteBytes += message.payload.byteLength;
      }
      return;
    }
    if (firstSeq === this.appliedSeq + 1 && message.payload.byteLength > 0) {
      // Already durable in the process that published it: apply and show, never store again.
      Y.applyUpdate(this.doc, message.payload, ORIGIN_REMOTE);
      this.fullStateFrame = null;
      this.size.grew(message.payload.byteLength);
      this.broadcast(encodeUpdateFrame(message.payload), null);
      this.appliedSeq = lastSeq;
      return;
    }
    // Within a catch-up its loop reads the rest (wantedSeq is raised).
    if (!inCatchUp) void this.catchUpNow().catch(() => {});
  }

  private needsCompaction(): boolean {
    return this.tailUpdates >= COMPACT_AFTER_UPDATES || this.tailBytes >= COMPACT_AFTER_BYTES;
  }

  /**
   * Compacts after the appends queued so far. Alone in this process, inside the
   * storage chain (memory is the truth). Shared, outside it: the compaction
   * waits for a lock another process may hold, and appends (an HTTP write
   * holding the document's lock among them) must not wait behind that.
   */
  private compactInTurn(options: { force?: boolean } = {}): Promise<void> {
    if (!this.shared) return this.serialize(() => this.compact(options));
    return this.chain.then(() => this.compact(options));
  }

  /** Folds the update log into one snapshot. Runs inside the storage chain (shared: see compactShared). */
  async compact(options: { force?: boolean } = {}): Promise<void> {
    if (this.isBroken || (this.tailUpdates === 0 && !options.force)) return;
    if (this.shared) return options.force || this.needsCompaction() ? this.compactShared(options.force ?? false) : undefined;
    const snapshot = Y.encodeStateAsUpdate(this.doc);
    const uptoSeq = this.appliedSeq;
    try {
      await this.options.store.compactDoc(this.name.docName, snapshot, uptoSeq);
    } catch (error) {
      // The log is still intact; compaction is retried on the next threshold.
      this.options.logger.warn('compaction failed', { doc: this.name.docName, error });
      return;
    }
    this.tailUpdates = 0;
    this.tailBytes = 0;
    if (this.pending.length === 0) {
      this.size.measured(snapshot.byteLength);
      this.fullStateFrame ??= encodeSyncStep2Frame(snapshot);
    }
  }

  /**
   * Other processes append to this document too, so this one's memory may
   * lack their rows: the snapshot is built from storage, under the document's
   * compaction lock, and compactDoc's condition fences a slower compactor.
   * Forced (a repair: deletions this room made in memory and never appended)
   * it is built from memory after catching up under the same lock: the doc
   * then holds every stored update up to appliedSeq, which is what it replaces.
   */
  private compactShared(force: boolean): Promise<void> {
    if (this.compactingShared && !force) return this.compactingShared;
    const docName = this.name.docName;
    const run = this.options.store
      .withLock(`compact:${docName}`, async () => {
        if (this.isBroken) return;
        const tailUpdates = this.tailUpdates;
        let snapshot: Uint8Array;
        let uptoSeq: number;
        if (force) {
          await this.catchUp();
          snapshot = Y.encodeStateAsUpdate(this.doc);
          uptoSeq = this.appliedSeq;
        } else {
          const stored = await this.options.store.loadDoc(docName);
          const storedBytes = stored.updates.reduce((n, u) => n + u.byteLength, 0);
          // Another process compacted meanwhile: nothing worth folding.
          if (stored.updates.length < COMPACT_AFTER_UPDATES / 2 && storedBytes < COMPACT_AFTER_BYTES / 2) {
            this.tailUpdates -= Math.min(this.tailUpdates, tailUpdates);
            this.tailBytes = 0;
            return;
          }
          const scratch = new Y.Doc({ gc: true });
          try {
            scratch.transact(() => {
              if (stored.snapshot) Y.applyUpdate(scratch, stored.snapshot);
              for (const update of stored.updates) Y.applyUpdate(scratch, update);
            });
            snapshot = Y.encodeStateAsUpdate(scratch);
          } finally {
            scratch.destroy();
          }
          uptoSeq = stored.lastSeq;
        }
        await this.options.store.compactDoc(docName, snapshot, uptoSeq);
        this.tailUpdates -= Math.min(this.tailUpdates, tailUpdates);
        this.tailBytes = 0;
      })
      .catch((error: unknown) => {
        // The log is still intact; compaction is retried on the next threshold.
        this.options.logger.warn('compaction failed', { doc: docName, error });
      })
      .finally(() => {
        if (this.compactingShared === run) this.compactingShared = null;
      });
    this.compactingShared = run;
    return run;
  }

  /** Storage failed: memory may now hold what storage does not, so everyone resyncs from storage. */
  private fail(error: unknown): void {
    if (this.isBroken) return;
    this.isBroken = true;
    this.options.logger.error('storage failed; closing room', { doc: this.name.docName, error });
    for (const peer of Array.from(this.members.keys())) {
      peer.close(CloseCode.STORAGE_FAILED, 'Storage failed; reconnect to resync.');
    }
    this.options.onBroken?.(this);
  }

  /** Each peer's send enforces its buffer cap (a reader too far behind is closed there). */
  private broadcast(frame: Uint8Array, except: unknown): void {
    for (const [peer] of this.members) {
      if (peer === except) continue;
      peer.send(frame);
    }
  }

  // ---- awareness -------------------------------------------------------

  private handleAwarenessChange(change: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void {
    const isLocal = origin !== ORIGIN_REMOTE;
    this.awarenessFrame = null;
    for (const id of [...change.added, ...change.updated, ...change.removed]) {
      this.countAwarenessBytes(id);
      this.awarenessDirty.add(id);
      // Only changes made here are published; remote ones came from the bus.
      if (isLocal) this.awarenessToPublish.add(id);
    }
    if (this.awarenessTimer) return;
    this.awarenessTimer = setTimeout(() => this.flushAwareness(), AWARENESS_BATCH_MS);
  }

  private countAwarenessBytes(clientId: number): void {
    const state = this.awareness.getStates().get(clientId);
    const size = state ? Buffer.byteLength(JSON.stringify(state)) : 0;
    this.awarenessBytes += size - (this.awarenessStateBytes.get(clientId) ?? 0);
    if (size > 0) this.awarenessStateBytes.set(clientId, size);
    else this.awarenessStateBytes.delete(clientId);
  }

  private flushAwareness(): void {
    this.awarenessTimer = null;
    const ids = Array.from(this.awarenessDirty);
    const toPublish = Array.from(this.awarenessToPublish);
    this.awarenessDirty.clear();
    this.awarenessToPublish.clear();
    if (ids.length > 0) {
      this.broadcast(encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)), null);
    }
    if (toPublish.length > 0 && this.options.pubsub.fansOut) this.publishPresence(toPublish);
  }

  private handleRemote(message: PubSubMessage): void {
    if (message.nodeId === this.options.nodeId || this.isBroken) return;
    try {
      if (message.kind === 'update') {
        // A bus without seqs (none today) cannot say what it skipped: storage can.
        if (message.lastSeq === undefined) void this.catchUp().catch(() => {});
        else this.takeRemoteUpdate(message);
      } else if (message.kind === PRESENCE) {
        this.takeRemotePresence(message.payload, message.nodeId);
      } else if (message.kind === PRESENCE_QUERY) {
        this.answerPresenceQuery();
      }
    } catch (error) {
      this.options.logger.warn('ignored a remote message that does not decode', { doc: this.name.docName, error });
    }
  }

  /** Another instance loaded this room: it gets the presence held here (this process's members and server-set states). */
  private answerPresenceQuery(): void {
    const states = this.awareness.getStates();
    const ids = [...this.serverPresence].filter((id) => states.has(id));
    for (const member of this.members.values()) for (const id of member.awarenessIds) if (states.has(id)) ids.push(id);
    if (ids.length === 0) return;
    this.publishPresence(ids);
  }

  /** Publishes the current states of `ids`, each with when a connection here claimed it (see claimedAt). */
  private publishPresence(ids: number[]): void {
    const claims = ids.flatMap((id) => {
      const at = this.claimedAt.get(id);
      return at === undefined ? [] : [[id, at] as const];
    });
    this.publishRemote(PRESENCE, encodePresence(claims, awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)));
  }

  /**
   * Presence from another instance. An entry for an id a connection here
   * claimed is that instance's connection claiming the same id before it
   * heard of ours: the earlier claim keeps the id on every instance (ties: the
   * smaller node id). If ours is earlier, the entry is dropped and our state
   * is told again with a clock above theirs, so every instance shows ours; if
   * theirs is, our connection loses the id (what it sends for it is dropped
   * from now on) and their restated state, which follows, replaces ours.
   */
  private takeRemotePresence(payload: Uint8Array, fromNode: string): void {
    const { claims, update } = decodePresence(payload);
    const entries = readRemoteAwareness(update);
    const states = this.awareness.getStates();
    const keep: AwarenessEntry[] = [];
    const restate: AwarenessEntry[] = [];
    for (const entry of entries) {
      const ours = this.claimedAt.get(entry.clientId);
      const owner = ours === undefined ? undefined : this.ownerOf(entry.clientId);
      if (ours === undefined || !owner) {
        keep.push(entry);
        continue;
      }
      const theirs = claims.get(entry.clientId);
      const theirsFirst = theirs !== undefined && (theirs < ours || (theirs === ours && fromNode < this.options.nodeId));
      if (theirsFirst) {
        owner.awarenessIds.delete(entry.clientId);
        this.claimedAt.delete(entry.clientId);
        this.restated.delete(entry.clientId);
        keep.push(entry);
        continue;
      }
      const clock = Math.max(entry.clock, this.awareness.meta.get(entry.clientId)?.clock ?? 0) + 1;
      const state = states.get(entry.clientId);
      restate.push({ clientId: entry.clientId, clock, state: JSON.stringify(state ?? null) });
      this.restated.add(entry.clientId);
    }
    if (keep.length > 0) awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(keep), ORIGIN_REMOTE);
    // Applied as a change made here, so it is broadcast and published like any local presence.
    if (restate.length > 0) awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(restate), ORIGIN_RESTATE);
  }

  private ownerOf(clientId: number): Member | undefined {
    for (const member of this.members.values()) if (member.awarenessIds.has(clientId)) return member;
    return undefined;
  }

  private publishRemote(kind: string, payload: Uint8Array): void {
    this.options.pubsub.publish(roomChannel(this.name.docName), { nodeId: this.options.nodeId, kind, payload });
  }

  // ---- lifecycle -------------------------------------------------------

  /** Flushes, compacts and frees the document. The room must be empty or shutting down. */
  async close(code: number = CloseCode.GOING_AWAY, reason = 'Room closed.'): Promise<void> {
    for (const peer of Array.from(this.members.keys())) peer.close(code, reason);
    this.members.clear();
    await this.whenDurable().catch(() => {});
    await this.compactInTurn().catch(() => {});
    this.destroy();
  }

  destroy(): void {
    this.unsubscribe();
    if (this.awarenessTimer) {
      clearTimeout(this.awarenessTimer);
      // The last members' leaving is still batched: other instances must hear it now, or they show these people
      // for another 30 s (the room unloads as soon as it empties, or the process is shutting down).
      this.flushAwareness();
    }
    this.awareness.destroy();
    this.ydoc.destroy();
  }
}

/** Presence between instances: claim times, then a y-protocols awareness update (see encodePresence). */
const PRESENCE = 'presence';

/** Our own state told again over another instance's claim of the same id (see takeRemotePresence). */
const ORIGIN_RESTATE = Symbol('restate');

/** [count, (clientId, claimedAt)…, awareness update]: the claim times of the ids a connection here claimed. */
function encodePresence(claims: ReadonlyArray<readonly [number, number]>, update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, claims.length);
  for (const [id, at] of claims) {
    encoding.writeVarUint(encoder, id);
    encoding.writeVarUint(encoder, at);
  }
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

function decodePresence(payload: Uint8Array): { claims: Map<number, number>; update: Uint8Array } {
  const decoder = decoding.createDecoder(payload);
  const claims = new Map<number, number>();
  const count = decoding.readVarUint(decoder);
  for (let i = 0; i < count; i++) claims.set(decoding.readVarUint(decoder), decoding.readVarUint(decoder));
  return { claims, update: decoding.readVarUint8Array(decoder) };
}

/** The entries of an awareness update another instance published (already checked and stamped there). */
function readRemoteAwareness(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const entries: AwarenessEntry[] = [];
  const count = decoding.readVarUint(decoder);
  for (let i = 0; i < count; i++) {
    entries.push({ clientId: decoding.readVarUint(decoder), clock: decoding.readVarUint(decoder), state: decoding.readVarString(decoder) });
  }
  return entries;
}

/** A room message asking the other instances holding the room for their presence (no payload). */
const PRESENCE_QUERY = 'presence-query';

/** The bus channel of one document's room. */
export function roomChannel(docName: string): string {
  return `room:${docName}`;
}

/** What Yjs encodes for an update with nothing in it (no structs, no deletions). */
const EMPTY_UPDATE_BYTES = 2;

/** How often, at most, a content room measures its page for the artifact's recorded size (see bookkeeping). */
const SIZE_MEASURE_INTERVAL_MS = 1_000;

/** The most UTF-16 units (items) one client id of the server authors before it is retired. */
const MAX_ITEMS_PER_CLIENT_ID = 64 * 1024;

function newClientId(): number {
  return randomBytes(4).readUInt32LE(0) >>> 1;
}

/** Counts a whole-state request against the socket's budget; past it the socket is closed (RATE_LIMITED). */
function takeStateRequest(member: Member): void {
  if (!member.budget.stateRequests.take()) {
    throw new AppError('rate_limited', 'Too many sync or presence requests on this connection.');
  }
}

function decodeUpdateOrThrow(update: Uint8Array): ReturnType<typeof Y.decodeUpdate> {
  try {
    return Y.decodeUpdate(update);
  } catch (error) {
    throw new AppError('bad_request', 'Update does not decode.', { cause: error });
  }
}

/** Past this many updates one Yjs merge costs more per update than the frames it saves. */
const MERGE_CHUNK = 128;

function mergeInChunks(updates: Uint8Array[]): Uint8Array[] {
  if (updates.length === 1) return updates;
  const out: Uint8Array[] = [];
  for (let i = 0; i < updates.length; i += MERGE_CHUNK) {
    const chunk = updates.slice(i, i + MERGE_CHUNK);
    out.push(chunk.length === 1 ? chunk[0] : Y.mergeUpdates(chunk));
  }
  return out;
}

function readBytes(decoder: decoding.Decoder): Uint8Array {
  try {
    return decoding.readVarUint8Array(decoder);
  } catch (error) {
    throw new AppError('bad_request', 'Message payload is truncated.', { cause: error });
  }
}

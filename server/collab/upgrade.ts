import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { CloseCode } from '../../lib/protocol/close-codes';
import { parseRoomPath } from '../../lib/protocol/ids';
import { MAX_MESSAGE_BYTES } from '../../lib/protocol/messages';
import { roomAccess } from '../../lib/auth/policy';
import { displayName, type Principal } from '../../lib/auth/principal';
import { AppError, isAppError } from '../../lib/errors';
import type { CutOff, Services } from '../services';
import type { AccessScope } from '../auth/control-channel';
import { colorFor } from './peer';
import type { Room } from './room';
import { DEFAULT_MAX_SOCKETS_PER_PRINCIPAL, SocketBudget } from './limits';
import { socketPeer } from './socket-peer';
import { authorOf } from '../versions/author';
import { principalKey } from '../limits/principal-key';
import { LocalSocketSlots, type Slot, type SocketSlots } from '../limits/socket-slots';

/**
 * The backstop: every live socket re-checks its credential and access this
 * often, whatever happened. Every change Loupe makes to access tells the
 * sockets it concerns at once (services.cutOff and services.accessChanged,
 * over the bus to every process), so this only catches what nothing
 * announced: a change made directly in the database, a message the bus lost
 * while Redis was away, a token or session that expired. At 30 s, 1,000
 * sockets cost about 33 reads a second, not 333.
 */
export const REVALIDATE_INTERVAL_MS = 30_000;
const PING_INTERVAL_MS = 30_000;

export interface CollabEndpoint {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Every open socket, for shutdown. */
  readonly sockets: Set<WebSocket>;
  /** Closes the sockets whose principal matches, now. Returns how many. */
  cutOff(match: CutOff, code: number, reason: string): number;
  /** The sockets the scope concerns re-check their access now (closed if it ended or changed). Returns how many. */
  recheck(scope: AccessScope): number;
  close(): void;
}

export interface CollabEndpointOptions {
  /** Live sockets one person (all their sessions and agent tokens) may hold open. */
  maxSocketsPerPrincipal?: number;
  /** Where those sockets are counted: this process by default; every instance with Redis (limits/socket-slots.ts). */
  slots?: SocketSlots;
  /** The backstop re-check's period (REVALIDATE_INTERVAL_MS unless configured). */
  revalidateIntervalMs?: number;
}

export function principalMatches(principal: Principal, match: CutOff): boolean {
  if (match.orgId !== undefined && principal.orgId !== match.orgId) return false;
  if (match.userId !== undefined && principal.userId !== match.userId) return false;
  if (match.kind !== undefined && principal.kind !== match.kind) return false;
  if (match.tokenId !== undefined && (principal.kind !== 'agent' || principal.tokenId !== match.tokenId)) return false;
  if (match.exceptSessionId !== undefined && principal.kind === 'user' && principal.sessionId === match.exceptSessionId) return false;
  return true;
}

/**
 * WebSocket upgrades at /collab/<id> and /collab/<id>/review: authenticate,
 * authorize through the policy, then hand the socket to its room as a Peer.
 * Every failure closes that one socket with a named code.
 */
export function createCollabEndpoint(services: Services, options: CollabEndpointOptions = {}): CollabEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const sockets = new Set<WebSocket>();
  const principals = new Map<WebSocket, Principal>();
  /** Each open socket's re-check, by socket: run by the backstop timer and by access events. */
  const rechecks = new Map<WebSocket, { principal: Principal; artifactId: string; run(): void }>();
  const maxSocketsPerPrincipal = options.maxSocketsPerPrincipal ?? DEFAULT_MAX_SOCKETS_PER_PRINCIPAL;
  const revalidateIntervalMs = options.revalidateIntervalMs ?? REVALIDATE_INTERVAL_MS;
  /** Sockets held (open, or past authentication and still upgrading) per owner, in this process or cluster-wide. */
  const slots = options.slots ?? new LocalSocketSlots(maxSocketsPerPrincipal);

  const reject = (req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string) => {
    wss.handleUpgrade(req, socket, head, (ws) => ws.close(code, reason));
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://loupe.invalid');
      const name = parseRoomPath(url.pathname);
      if (!name) return reject(req, socket, head, CloseCode.NOT_FOUND, 'No such room.');
      const principal = await services.identifier.fromUpgrade(req, url);
      if (!principal) return reject(req, socket, head, CloseCode.UNAUTHORIZED, 'A valid token or session is required.');
      // A cookie rides along on any cross-site page's WebSocket: only our own pages may use it.
      // (fromUpgrade never falls back to the cookie when a `token` parameter is present, even an empty one.)
      const usesCookie = !url.searchParams.has('token') && !req.headers.authorization;
      if (usesCookie && req.headers.origin !== services.appOrigin()) {
        return reject(req, socket, head, CloseCode.UNAUTHORIZED, 'Cross-site WebSocket refused.');
      }
      if (principal.kind === 'agent' && !(await services.limits.tokenUse.take(`token:${principal.tokenId}`)).ok) {
        return reject(req, socket, head, CloseCode.RATE_LIMITED, 'Too many requests with this token.');
      }
      // One person's sockets count together, whatever session or token they came with.
      const owner = principalKey(principal);
      const slot = await slots.hold(owner);
      if (!slot) {
        const refused = new AppError('too_many_sockets', `Too many live connections for this account (the limit is ${maxSocketsPerPrincipal}).`);
        return reject(req, socket, head, refused.closeCode, refused.message);
      }
      // The slot is the socket's from here; every way out before it is attached gives it back.
      let isAttached = false;
      try {
        const artifact = await services.store.getArtifact(name.artifactId);
        const access = artifact ? roomAccess(principal, artifact, name.kind) : 'none';
        if (access === 'none') return reject(req, socket, head, CloseCode.NOT_FOUND, 'No artifact with that id.');
        let room: Room;
        try {
          room = await services.registry.acquire(name);
        } catch (error) {
          services.logger.error('room load failed', { doc: name.docName, error });
          return reject(req, socket, head, CloseCode.STORAGE_FAILED, 'The document could not be loaded.');
        }
        // ws completes the handshake synchronously, or drops a socket that went away meanwhile.
        wss.handleUpgrade(req, socket, head, (ws) => {
          isAttached = true;
          attach(ws, room, principal, access, slot);
        });
        if (!isAttached) services.registry.release(room);
      } finally {
        if (!isAttached) slot.letGo();
      }
    })().catch((error: unknown) => {
      // The database is unreachable (checking the caller or the artifact): the named close code, so clients know to retry.
      if (isAppError(error) && error.code === 'storage_unavailable' && !socket.destroyed) {
        return reject(req, socket, head, error.closeCode, error.message);
      }
      services.logger.error('upgrade failed', { error });
      socket.destroy();
    });
  };

  const attach = (ws: WebSocket, room: Room, principal: Principal, access: 'read' | 'write', slot: Slot) => {
    sockets.add(ws);
    principals.set(ws, principal);
    const peer = socketPeer(ws);
    const identity = {
      id: principal.kind === 'agent' ? `agent:${principal.tokenId}` : principal.userId,
      name: displayName(principal),
      color: colorFor(principal.userId),
      kind: principal.kind,
    };
    room.join({ peer, access, principal, identity, awarenessIds: new Set(), budget: new SocketBudget() });

    let isAlive = true;
    ws.on('pong', () => {
      isAlive = true;
    });
    const ping = setInterval(() => {
      if (!isAlive) return ws.terminate();
      isAlive = false;
      ws.ping();
    }, PING_INTERVAL_MS);
    let isChecking = false;
    const revalidate = () => {
      // One re-check at a time per socket: a burst of events costs one read, not one each.
      if (isChecking) return;
      isChecking = true;
      recheck(principal, room)
        .then((verdict) => {
          if (verdict === 'ok' || ws.readyState !== ws.OPEN) return;
          if (verdict === 'revoked') ws.close(CloseCode.REVOKED, 'Access was revoked.');
          else if (verdict === 'gone') ws.close(CloseCode.NOT_FOUND, 'No artifact with that id.');
          else ws.close(CloseCode.ACCESS_CHANGED, 'Your access changed; reconnect.');
        })
        .catch((error: unknown) => services.logger.warn('revalidation failed', { error }))
        .finally(() => {
          isChecking = false;
        });
    };
    rechecks.set(ws, { principal, artifactId: room.name.artifactId, run: revalidate });
    // The backstop (see REVALIDATE_INTERVAL_MS), started at a random point of the interval so
    // sockets opened together (a reconnect wave after an instance died) spread their reads out.
    let backstop: NodeJS.Timeout | null = null;
    const firstBackstop = setTimeout(() => {
      revalidate();
      backstop = setInterval(revalidate, revalidateIntervalMs);
    }, Math.floor(revalidateIntervalMs * (0.5 + Math.random() / 2)));

    async function recheck(who: Principal, live: Room): Promise<'ok' | 'revoked' | 'gone' | 'changed'> {
      const now = await services.identifier.refresh(who);
      if (!now) return 'revoked';
      const artifact = await services.store.getArtifact(live.name.artifactId);
      const nowAccess = artifact ? roomAccess(now, artifact, live.name.kind) : 'none';
      if (nowAccess === 'none') return 'gone';
      return nowAccess === access ? 'ok' : 'changed';
    }

    ws.on('message', (data: RawData, isBinary: boolean) => {
      // Once closing (cut off, too slow, over a budget), what it still sends does no work.
      if (ws.readyState !== ws.OPEN) return;
      if (!isBinary) {
        ws.close(CloseCode.MALFORMED, 'Text frames are not part of the protocol.');
        return;
      }
      try {
        const bytes = toBytes(data);
        const hasChanged = room.receive(peer, bytes);
        // A writer's page edit re-arms the automatic version of this page and shows an agent writing.
        // Only a real change counts: every client answers the server's sync step 1, mostly with nothing.
        if (hasChanged && room.name.kind === 'content') {
          services.versionScheduler.noteWrite(room.name.artifactId, authorOf(principal));
          services.agentPresence.touch(room.name.artifactId, principal);
        }
      } catch (error) {
        const appError = isAppError(error) ? error : new AppError('bad_request', 'Message could not be processed.');
        if (!isAppError(error)) services.logger.warn('message failed', { doc: room.name.docName, error });
        ws.close(appError.closeCode, appError.message.slice(0, 120));
      }
    });
    ws.on('error', (error) => services.logger.debug('socket error', { error }));
    ws.once('close', () => {
      sockets.delete(ws);
      principals.delete(ws);
      slot.letGo();
      clearInterval(ping);
      rechecks.delete(ws);
      clearTimeout(firstBackstop);
      if (backstop) clearInterval(backstop);
      room.leave(peer);
      services.registry.release(room);
    });
  };

  return {
    handleUpgrade,
    sockets,
    cutOff: (match, code, reason) => {
      let closed = 0;
      for (const [ws, principal] of principals) {
        if (!principalMatches(principal, match)) continue;
        ws.close(code, reason.slice(0, 120));
        closed += 1;
      }
      return closed;
    },
    recheck: (scope) => {
      let count = 0;
      for (const check of rechecks.values()) {
        if (scope.orgId !== undefined && check.principal.orgId !== scope.orgId) continue;
        if (scope.userId !== undefined && check.principal.userId !== scope.userId) continue;
        if (scope.artifactId !== undefined && check.artifactId !== scope.artifactId) continue;
        check.run();
        count += 1;
      }
      return count;
    },
    close: () => {
      for (const ws of sockets) ws.close(CloseCode.SHUTTING_DOWN, 'Server shutting down.');
      wss.close();
    },
  };
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

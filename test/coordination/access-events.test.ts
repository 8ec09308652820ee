import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../lib/protocol/close-codes';
import { hashAgentToken } from '../../lib/auth/tokens';
import { CONTROL_CHANNEL } from '../../server/auth/control-channel';
import { startInProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server';
import type { TestLoupe } from '../helpers/loupe';

/**
 * Access decided on one instance acts on every instance's sockets at once,
 * over the bus's control channel: no waiting for the periodic re-check,
 * which here is an hour (so anything that closes in time came from an
 * event). A second cluster with a 1 s backstop shows that a change nobody
 * announced (made directly in the database) is still caught.
 */

/** A raw socket on a room through `node`: `opened` once attached, `closed` with the code. */
function openSocket(node: TestLoupe, room: string, token: string) {
  const ws = new WebSocket(`${node.wsUrl}/${room}?token=${encodeURIComponent(token)}`);
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    // A reader gets nothing on join in an empty room: ask for the state to learn the socket was attached.
    ws.once('open', () => ws.send(new Uint8Array([0, 0, 1, 0])));
    void closed.then((code) => reject(new Error(`closed with ${code} before it opened`)));
  });
  return { ws, opened, closed };
}

/** The close, or a failure naming what did not happen (a deadline for the product's promise, not a sleep). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

describe('access events across instances (backstop one hour away)', () => {
  let cluster: InProcessCluster;
  let a: TestLoupe;
  let b: TestLoupe;
  let admin: Record<string, string>;

  beforeAll(async () => {
    cluster = await startInProcessCluster(2, { env: { ACCESS_RECHECK_MS: '3600000' } });
    [a, b] = cluster.nodes;
    const adminUser = await a.userOfToken(a.token);
    admin = { ...(await a.sessionHeaders(adminUser)), 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a token revoked on A closes its socket on B with REVOKED within 1 s', async () => {
    const id = await a.createArtifact('<p>revoke</p>');
    const userId = await a.makeUser({ role: 'member' });
    const owner = { ...(await a.sessionHeaders(userId)), 'content-type': 'application/json' };
    const minted = (await (
      await fetch(`${a.url}/api/v1/tokens`, { method: 'POST', headers: owner, body: JSON.stringify({ name: 'bot', scopes: [], expiresInDays: 1 }) })
    ).json()) as { id: string; token: string };
    const socket = openSocket(b, id, minted.token);
    await socket.opened;
    expect((await fetch(`${a.url}/api/v1/tokens/${minted.id}`, { method: 'DELETE', headers: owner })).status).toBe(204);
    expect(await within(socket.closed, 1_000, 'closing the revoked token’s socket on the other instance')).toBe(CloseCode.REVOKED);
  });

  it('a role change on A closes that person’s socket on B at once (ACCESS_CHANGED), and a removal with REVOKED', async () => {
    const id = await a.createArtifact('<p>roles</p>');
    const token = await a.makeToken({ role: 'member', scopes: ['artifacts:write'] });
    const userId = await a.userOfToken(token);

    const first = openSocket(b, id, token);
    await first.opened;
    const changed = await fetch(`${a.url}/api/v1/org/members/${userId}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ role: 'viewer' }) });
    expect(changed.status).toBe(200);
    expect(await within(first.closed, 1_000, 'closing the socket after a role change on the other instance')).toBe(CloseCode.ACCESS_CHANGED);

    // Reconnecting gets the new role's access; removal then ends it everywhere.
    const second = openSocket(b, id, token);
    await second.opened;
    expect((await fetch(`${a.url}/api/v1/org/members/${userId}`, { method: 'DELETE', headers: admin })).status).toBe(204);
    expect(await within(second.closed, 1_000, 'closing the removed member’s socket on the other instance')).toBe(CloseCode.REVOKED);
  });

  it('an artifact made private on A closes the sockets on B of those who lost it, and only theirs', async () => {
    const id = await a.createArtifact('<p>private</p>');
    const outsider = await a.makeToken({ role: 'member', scopes: [] });
    const insiderUser = await a.makeUser({ role: 'member' });
    const insiderToken = await a.makeToken({ role: 'member', scopes: [] });
    const insider = await a.userOfToken(insiderToken);
    const lost = openSocket(b, id, outsider);
    const kept = openSocket(b, id, insiderToken);
    await Promise.all([lost.opened, kept.opened]);
    const access = await fetch(`${a.url}/api/v1/artifacts/${id}/access`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ visibility: 'members', members: [insider, insiderUser] }),
    });
    expect(access.status).toBe(200);
    expect(await within(lost.closed, 1_000, 'closing the socket of someone who lost access')).toBe(CloseCode.NOT_FOUND);
    // The event reached the insider's socket too; it re-checked and stays (still open after the outsider's closed).
    expect(kept.ws.readyState).toBe(WebSocket.OPEN);
    kept.ws.close();
  });

  it('acts only on control messages that parse: an empty cut-off (which would close everyone) is ignored', async () => {
    const id = await a.createArtifact('<p>forged</p>');
    const socket = openSocket(b, id, a.token);
    await socket.opened;
    const bad = (payload: unknown) =>
      cluster.pubsub.publish(CONTROL_CHANNEL, { nodeId: 'someone-else', kind: 'control', payload: new TextEncoder().encode(JSON.stringify(payload)) });
    bad({ type: 'cut_off', match: {}, why: 'revoked' });
    bad({ type: 'cut_off', match: { userId: 'x', extra: true }, why: 'revoked' });
    bad('not json at all');
    // A valid message for someone else after them: once it was handled, the earlier ones were too (in order).
    const other = await a.makeToken({ role: 'member', scopes: [] });
    const otherSocket = openSocket(b, id, other);
    await otherSocket.opened;
    const otherUser = await a.userOfToken(other);
    bad({ type: 'cut_off', match: { userId: otherUser }, why: 'revoked' });
    expect(await within(otherSocket.closed, 1_000, 'acting on a valid cut-off')).toBe(CloseCode.REVOKED);
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    socket.ws.close();
  });
});

describe('the backstop re-check', () => {
  let cluster: InProcessCluster;

  beforeAll(async () => {
    cluster = await startInProcessCluster(2, { env: { ACCESS_RECHECK_MS: '1000' } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('catches a change made directly in the database, which no event announced', async () => {
    const [a, b] = cluster.nodes;
    const id = await a.createArtifact('<p>backstop</p>');
    const token = await a.makeToken({ role: 'member', scopes: [] });
    const socket = openSocket(b, id, token);
    await socket.opened;
    const record = await cluster.store.getAgentTokenByHash(hashAgentToken(token));
    await cluster.store.revokeAgentToken(record!.id, Date.now());
    expect(await within(socket.closed, 5_000, 'the backstop closing a socket revoked behind Loupe’s back')).toBe(CloseCode.REVOKED);
  });
});

describe('after the bus reconnects (a redis-server of the test’s own, killed and started again)', () => {
  let own: OwnRedis;
  let cluster: InProcessCluster;

  beforeAll(async () => {
    own = await startOwnRedis();
    cluster = await startInProcessCluster(2, { busUrl: own.url, env: { ACCESS_RECHECK_MS: '3600000' } });
  });
  afterAll(async () => {
    await cluster?.stop();
    await own?.stop();
  });

  it('every socket re-checks at once: a revocation whose message Redis lost is acted on after the resync', async () => {
    const [a, b] = cluster.nodes;
    const id = await a.createArtifact('<p>resync</p>');
    const token = await a.makeToken({ role: 'member', scopes: [] });
    const socket = openSocket(b, id, token);
    await socket.opened;
    await own.kill();
    // Revoked while the bus is down: the cut-off published now reaches no one.
    const record = await cluster.store.getAgentTokenByHash(hashAgentToken(token));
    const revoked = await fetch(`${a.url}/api/v1/tokens/${record!.id}`, {
      method: 'DELETE',
      headers: await a.sessionHeaders(record!.userId),
    });
    expect(revoked.status).toBe(204);
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    await own.start();
    expect(await within(socket.closed, 15_000, 'closing the socket once the bus resynced')).toBe(CloseCode.REVOKED);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { WebsocketProvider } from 'y-websocket';
import { CloseCode } from '../../lib/protocol/close-codes';
import { generateAgentToken, hashAgentToken, signClaims } from '../../lib/auth/tokens';
import type { Role, TokenScope } from '../../lib/store/types';
import { startTestLoupe, type TestLoupe } from '../helpers/loupe';

/**
 * The authorization matrix: every /api/v1 route of docs/API.md and both live
 * rooms, for every kind of caller, against own-org and other-org targets.
 *
 * The expected outcome of each case is computed from a small model of the
 * documented policy (docs/API.md + lib/auth/policy.ts) below, so the cases
 * are data: one `it` per {principal, method, path, expect}. Every denied case
 * snapshots storage (artifact rows, documents, memberships, users, tokens,
 * invitations, org settings, audit chain lengths) before and after and
 * requires it unchanged; allowed cases check their effect and the one audit
 * entry the action writes (and no other).
 *
 * Names: `{orgWide}` etc. are the shared fixtures; `{orgWide*}` is a fresh copy
 * made for a case that changes it; a principal with `*` is a fresh person or
 * token of that role (for cases that sign out, leave, or demote themselves).
 */

let loupe: TestLoupe;

const BOTH: TokenScope[] = ['artifacts:write', 'comments:write'];
const EVIL_ORIGIN = 'https://evil.example';
const DEADLINE_MS = 5_000;

// ---------------------------------------------------------------------------
// The model: principals, targets, and the documented policy over them.
// ---------------------------------------------------------------------------

type OrgKey = 'A' | 'B' | 'C';
type UserKey = 'owner' | 'admin' | 'member' | 'viewer' | 'author' | 'bystander' | 'otherOwner' | 'otherMember' | 'soleOwner';
type PName =
  | 'owner' | 'admin' | 'member' | 'viewer'
  | 'memberAgent' | 'viewerAgent' | 'adminAgent'
  | 'otherMember' | 'otherAgent' | 'soleOwner'
  | 'expired' | 'revoked' | 'malformed' | 'anonymous';

interface PModel {
  kind: 'user' | 'agent' | 'bad' | 'anon';
  org: OrgKey | null;
  role: Role | null;
  /** The person (for an agent: the token's user). */
  user: UserKey | null;
}

const USERS: Record<UserKey, { org: OrgKey; role: Role; name: string }> = {
  owner: { org: 'A', role: 'owner', name: 'Matrix Owner' },
  admin: { org: 'A', role: 'admin', name: 'Matrix Admin' },
  member: { org: 'A', role: 'member', name: 'Matrix Member' },
  viewer: { org: 'A', role: 'viewer', name: 'Matrix Viewer' },
  author: { org: 'A', role: 'member', name: 'Matrix Author' },
  bystander: { org: 'A', role: 'member', name: 'Matrix Bystander' },
  otherOwner: { org: 'B', role: 'owner', name: 'Other Owner' },
  otherMember: { org: 'B', role: 'member', name: 'Other Member' },
  soleOwner: { org: 'C', role: 'owner', name: 'Sole Owner' },
};

const user = (key: UserKey): PModel => ({ kind: 'user', org: USERS[key].org, role: USERS[key].role, user: key });
const agentOf = (key: UserKey): PModel => ({ kind: 'agent', org: USERS[key].org, role: USERS[key].role, user: key });
const bad: PModel = { kind: 'bad', org: null, role: null, user: null };

const MODEL: Record<PName, PModel> = {
  owner: user('owner'),
  admin: user('admin'),
  member: user('member'),
  viewer: user('viewer'),
  memberAgent: agentOf('member'),
  viewerAgent: agentOf('viewer'),
  adminAgent: agentOf('admin'),
  otherMember: user('otherMember'),
  otherAgent: agentOf('otherMember'),
  soleOwner: user('soleOwner'),
  expired: bad,
  revoked: bad,
  malformed: bad,
  anonymous: { kind: 'anon', org: null, role: null, user: null },
};

/** Valid credentials in the matrix (every agent token has both scopes). */
const VALID: PName[] = ['owner', 'admin', 'member', 'viewer', 'memberAgent', 'viewerAgent', 'adminAgent', 'otherMember', 'otherAgent'];
/** Credentials that must get 401 everywhere. */
const BAD: PName[] = ['expired', 'revoked', 'malformed', 'anonymous'];

type TKey = 'orgWide' | 'ownPublished' | 'draft' | 'membersOnly' | 'foreign' | 'requestedDraft';
type Target = TKey | 'missing';

interface TModel {
  org: OrgKey;
  status: 'draft' | 'published';
  visibility: 'org' | 'members';
  creator: UserKey;
  requested: boolean;
}

const TMODEL: Record<TKey, TModel> = {
  /** Published to the whole org by someone other than the matrix principals. */
  orgWide: { org: 'A', status: 'published', visibility: 'org', creator: 'author', requested: false },
  /** Published to the whole org by the member (creator rights). */
  ownPublished: { org: 'A', status: 'published', visibility: 'org', creator: 'member', requested: false },
  /** Created by the member's agent token, never published. */
  draft: { org: 'A', status: 'draft', visibility: 'org', creator: 'member', requested: false },
  /** Published to named members only, and shared with nobody. */
  membersOnly: { org: 'A', status: 'published', visibility: 'members', creator: 'author', requested: false },
  /** Published org-wide in the other organization. */
  foreign: { org: 'B', status: 'published', visibility: 'org', creator: 'otherMember', requested: false },
  /** A draft whose owner asked for publication (only where admins publish). */
  requestedDraft: { org: 'A', status: 'draft', visibility: 'org', creator: 'member', requested: true },
};

const MATRIX_TARGETS: Target[] = ['orgWide', 'ownPublished', 'draft', 'membersOnly', 'foreign', 'missing'];
const SHARED: TKey[] = ['orgWide', 'ownPublished', 'draft', 'membersOnly', 'foreign'];

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
const atLeast = (p: PModel, role: Role) => p.role !== null && RANK[p.role] >= RANK[role];
const isUser = (p: PModel) => p.kind === 'user';
const isAgent = (p: PModel) => p.kind === 'agent';
const isAdminUser = (p: PModel) => isUser(p) && atLeast(p, 'admin');
const hasCredential = (p: PModel) => p.kind === 'user' || p.kind === 'agent';

/** Who sees an artifact (API.md "Artifacts" + policy.canSeeArtifact); an agent acts as its user. */
function sees(p: PModel, t: TModel): boolean {
  if (p.org !== t.org) return false;
  const own = p.user === t.creator;
  if (t.status === 'draft') return own || (atLeast(p, 'admin') && t.requested);
  if (t.visibility === 'org') return true;
  return own || atLeast(p, 'admin');
}

type Access = 'none' | 'read' | 'write';

/** Content: agents with artifacts:write (member or above) and editors (admins, the creator) write. */
function contentAccess(p: PModel, t: TModel): Access {
  if (!sees(p, t)) return 'none';
  if (isAgent(p)) return atLeast(p, 'member') ? 'write' : 'read';
  if (atLeast(p, 'admin')) return 'write';
  return p.user === t.creator && atLeast(p, 'member') ? 'write' : 'read';
}

/** Review: members and above write (agents need comments:write); viewers read. */
function reviewAccess(p: PModel, t: TModel): Access {
  if (!sees(p, t)) return 'none';
  return atLeast(p, 'member') ? 'write' : 'read';
}

type PublishRole = 'member' | 'admin';
const mayPublish = (p: PModel, publishRole: PublishRole) => isUser(p) && atLeast(p, publishRole);
const canRequest = (p: PModel, t: TModel, publishRole: PublishRole) =>
  isUser(p) && t.status === 'draft' && p.org === t.org && p.user === t.creator && !t.requested && atLeast(p, 'member') && !mayPublish(p, publishRole);
const canChangeAccess = (p: PModel, t: TModel) =>
  isUser(p) && t.status === 'published' && sees(p, t) && (atLeast(p, 'admin') || (p.user === t.creator && atLeast(p, 'member')));

type ArtRoute = 'get' | 'content' | 'put' | 'stream' | 'publish' | 'request' | 'access' | 'hold' | 'export';

function expectArtifact(route: ArtRoute, p: PModel, target: Target, publishRole: PublishRole = 'member'): number {
  if (!hasCredential(p)) return 401;
  if (target === 'missing' || !sees(p, TMODEL[target])) return 404;
  const t = TMODEL[target];
  switch (route) {
    case 'get':
    case 'content':
      return 200;
    case 'put':
    case 'stream':
      return contentAccess(p, t) === 'write' ? 200 : 403;
    case 'publish':
      // Permission before state: only someone who may publish learns that it is already published.
      if (!mayPublish(p, publishRole)) return 403;
      return t.status !== 'draft' ? 409 : 200;
    case 'request':
      return canRequest(p, t, publishRole) ? 200 : 403;
    case 'access':
      return canChangeAccess(p, t) ? 200 : 403;
    case 'hold':
    case 'export':
      return isAdminUser(p) ? 200 : 403;
  }
}

const ERROR_CODE: Record<number, string> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 410: 'gone', 412: 'precondition_failed',
};

// ---------------------------------------------------------------------------
// The live world (filled in beforeAll).
// ---------------------------------------------------------------------------

interface Live {
  model: PModel;
  orgId: string | null;
  userId: string | null;
  /** For agents: the token's id (the audit actor). */
  tokenId: string | null;
  /** The credential as a header set: a session cookie + Origin, a bearer token, or nothing. */
  headers: Record<string, string>;
  /** Agent (or bad) token string, for rooms. */
  secret: string | null;
}

const W = {
  org: {} as Record<OrgKey, string>,
  user: {} as Record<UserKey, string>,
  session: {} as Record<UserKey, Record<string, string>>,
  live: new Map<PName, Live>(),
  artifact: {} as Record<TKey, string>,
  /** Each artifact's original page, by id. */
  html: new Map<string, string>(),
  /** Tokens used only to create fixtures (spreads the per-token rate limit). */
  fixtureToken: {} as Record<'member' | 'author' | 'otherMember', string>,
  token: {} as Record<'memberSpare' | 'viewerSpare' | 'otherSpare', string>,
  invitation: {} as Record<'pending' | 'other', string>,
};

const orgKeyOf = (orgId: string | null): OrgKey | null =>
  orgId === null ? null : ((Object.keys(W.org) as OrgKey[]).find((key) => W.org[key] === orgId) ?? null);

// ---------------------------------------------------------------------------
// HTTP: node:http, so every header (or its absence: Origin!) is exactly ours.
// ---------------------------------------------------------------------------

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: Buffer;
  json(): any; // the JSON answer, asserted field by field
}

function call(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; json?: unknown; text?: string; localAddress?: string } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  let body: Buffer | undefined;
  if (options.json !== undefined) {
    body = Buffer.from(JSON.stringify(options.json));
    headers['content-type'] = 'application/json';
  } else if (options.text !== undefined) {
    body = Buffer.from(options.text);
    headers['content-type'] = 'text/html; charset=utf-8';
  }
  if (body) headers['content-length'] = String(body.byteLength);
  const url = new URL(loupe.url + path);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: false, localAddress: options.localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          const text = buf.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: buf, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Bad credentials are limited per client address (30 a minute), as a token
 * guesser would be. The 401 cases come from their own loopback addresses,
 * 25 each, so the limiter answers for the credential, never for the count.
 */
let badRequests = 0;
function badAddress(): string {
  return `127.0.0.${10 + Math.floor(badRequests++ / 25)}`;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function mintToken(session: Record<string, string>, name: string, scopes: TokenScope[] = BOTH): Promise<{ id: string; token: string }> {
  const res = await call('POST', '/api/v1/tokens', { headers: session, json: { name, scopes, expiresInDays: null } });
  expect(res.status, res.text).toBe(201);
  const body = res.json() as { id: string; token: string };
  return { id: body.id, token: body.token };
}

// ---------------------------------------------------------------------------
// Fixtures: made through the API, as agents and people would.
// ---------------------------------------------------------------------------

const RECIPES: Record<TKey, { token: 'member' | 'author' | 'otherMember'; by: UserKey; publish?: { visibility: 'org' | 'members'; members: string[] }; request?: boolean }> = {
  orgWide: { token: 'author', by: 'author', publish: { visibility: 'org', members: [] } },
  ownPublished: { token: 'member', by: 'member', publish: { visibility: 'org', members: [] } },
  draft: { token: 'member', by: 'member' },
  membersOnly: { token: 'author', by: 'author', publish: { visibility: 'members', members: [] } },
  foreign: { token: 'otherMember', by: 'otherMember', publish: { visibility: 'org', members: [] } },
  requestedDraft: { token: 'member', by: 'member', request: true },
};

async function makeArtifact(kind: TKey, project: string, token?: string): Promise<string> {
  const recipe = RECIPES[kind];
  const html = `<p>${kind} ${randomUUID().slice(0, 8)}</p>`;
  const created = await call('POST', '/api/v1/artifacts', {
    headers: bearer(token ?? W.fixtureToken[recipe.token]),
    json: { title: `Matrix ${kind}`, project, session: 'matrix', html },
  });
  expect(created.status, created.text).toBe(201);
  const id = (created.json() as { id: string }).id;
  W.html.set(id, html);
  if (recipe.publish) {
    const published = await call('POST', `/api/v1/artifacts/${id}/publish`, { headers: W.session[recipe.by], json: recipe.publish });
    expect(published.status, published.text).toBe(200);
  }
  if (recipe.request) {
    const requested = await call('POST', `/api/v1/artifacts/${id}/request-publication`, { headers: W.session[recipe.by] });
    expect(requested.status, requested.text).toBe(200);
  }
  return id;
}

async function freshPrincipal(name: PName): Promise<Live> {
  const m = MODEL[name];
  if (!hasCredential(m)) throw new Error(`no fresh ${name}`);
  const orgId = W.org[m.org!];
  const userId = await loupe.makeUser({ role: m.role!, orgId, name: `Fresh ${name}` });
  const session = await loupe.sessionHeaders(userId);
  const model: PModel = { ...m, user: null };
  if (m.kind === 'user') return { model, orgId, userId, tokenId: null, headers: session, secret: null };
  const { id, token } = await mintToken(session, `fresh ${name}`);
  return { model, orgId, userId, tokenId: id, headers: bearer(token), secret: token };
}

// ---------------------------------------------------------------------------
// Snapshots of everything a denied request could have changed.
// ---------------------------------------------------------------------------

function docOf(stored: { snapshot: Uint8Array | null; updates: Uint8Array[] }): Y.Doc {
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  return doc;
}

const storedDoc = async (docName: string) => docOf(await loupe.store.loadDoc(docName));

async function docState(docName: string) {
  const stored = await loupe.store.loadDoc(docName);
  const doc = docOf(stored);
  return { lastSeq: stored.lastSeq, html: doc.getText('html').toString(), stateVector: Array.from(Y.encodeStateVector(doc)) };
}


/**
 * The audit chain's length. Seqs run 1, 2, 3… per org without gaps, so only
 * the tail after the last entry seen is read (and that entry must still be there).
 */
const auditSeen = new Map<string, number>();
async function auditLengthOf(orgId: string): Promise<number> {
  const seen = auditSeen.get(orgId) ?? 0;
  const tail = await loupe.store.readAuditChain(orgId, Math.max(0, seen - 1), 1_000_000);
  if (seen > 0) expect(tail[0]?.seq, `audit entry ${seen} of ${orgId} is gone`).toBe(seen);
  const length = seen === 0 ? tail.length : seen - 1 + tail.length;
  auditSeen.set(orgId, length);
  return length;
}

interface Watch {
  artifacts: string[];
  /** Ids a case names (users, invitations): their records are snapshotted too. Tokens are covered by the orgs' token lists. */
  ids: string[];
}

async function snapshot(watch: Watch) {
  const artifacts: Record<string, unknown> = {};
  for (const id of new Set(watch.artifacts)) {
    artifacts[id] = { row: await loupe.store.getArtifact(id), content: await docState(id), review: await docState(`${id}/review`) };
  }
  const perOrg: Record<string, unknown> = {};
  for (const key of Object.keys(W.org) as OrgKey[]) {
    const orgId = W.org[key];
    perOrg[key] = {
      org: await loupe.store.getOrg(orgId),
      members: (await loupe.store.listMembersOfOrg(orgId)).map((m) => ({ userId: m.userId, role: m.role })).sort((a, b) => a.userId.localeCompare(b.userId)),
      // lastUsedAt is bookkeeping a valid token's use updates; everything else must hold.
      tokens: (await loupe.store.listAgentTokens({ orgId })).map(({ lastUsedAt: _lastUsedAt, ...rest }) => rest).sort((a, b) => a.id.localeCompare(b.id)),
      invitations: (await loupe.store.listPendingInvitations(orgId, 0)).map((i) => i.id).sort(),
      audit: await auditLengthOf(orgId),
    };
  }
  const records: Record<string, unknown> = {};
  for (const id of new Set([...Object.values(W.user), ...watch.ids])) {
    const found = await loupe.store.getUser(id);
    records[id] = found
      ? { user: found, memberships: (await loupe.store.listMembershipsOfUser(id)).map((m) => `${m.orgId}:${m.role}`).sort() }
      : { invitation: await loupe.store.getInvitation(id) };
  }
  return { artifacts, perOrg, records };
}

type Snap = Awaited<ReturnType<typeof snapshot>>;
const auditLength = (snap: Snap, key: OrgKey) => (snap.perOrg[key] as { audit: number }).audit;

// ---------------------------------------------------------------------------
// HTTP cases: data, and one runner.
// ---------------------------------------------------------------------------

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Ctx {
  live: Live;
  artifactId: string | null;
  vars: Record<string, string>;
  before: Snap;
}

interface HttpCase {
  as: PName;
  /** Run as a fresh person/token like `as` (the case signs out, leaves or demotes itself). */
  fresh?: boolean;
  method: Method;
  /** With placeholders: {id} (the target artifact), {self}, {user:K}, {org:K}, {token:K}, {invitation:K}, {new-user:ROLE}, {new-token:K|self}, {new-invitation}, {missing}, {self-name}. */
  path: string;
  target?: Target;
  /** The case changes its target: use a fresh copy. */
  freshTarget?: boolean;
  json?: unknown;
  text?: string;
  /** Cookie writes: drop the Origin, or send another site's. */
  origin?: 'none' | 'evil';
  expect: number;
  note?: string;
  /** A placeholder naming another org's record: the answer must equal the one for a random missing id. */
  subject?: string;
  /** The audit action an allowed case records (exactly one entry, by this actor). */
  audits?: string;
  check?: (res: Res, ctx: Ctx) => Promise<void> | void;
}

function caseName(c: HttpCase): string {
  const who = c.fresh ? `${c.as}*` : c.as;
  const path = c.path.replace('{id}', c.target ? `{${c.target}${c.freshTarget ? '*' : ''}}` : '{id}');
  const origin = c.origin === 'none' ? ' [cookie, no Origin]' : c.origin === 'evil' ? ` [cookie, Origin ${EVIL_ORIGIN}]` : '';
  const note = c.note ? ` (${c.note})` : '';
  return `${who} ${c.method} ${path}${origin} → ${c.expect}${note}`;
}

async function resolvePlaceholder(key: string, live: Live, artifactId: string | null): Promise<string> {
  const [kind, arg] = key.split(':') as [string, string | undefined];
  switch (kind) {
    case 'id':
      return artifactId!;
    case 'self':
      return live.userId!;
    case 'self-name':
      return live.userId ? (await loupe.store.getUser(live.userId))!.name : 'Nobody';
    case 'missing':
      return randomUUID();
    case 'user':
      return W.user[arg as UserKey];
    case 'org':
      return W.org[arg as OrgKey];
    case 'token':
      return W.token[arg as keyof typeof W.token];
    case 'invitation':
      return W.invitation[arg as keyof typeof W.invitation];
    case 'new-user': {
      // A new person in the first org, holding a token (so removal can be seen to revoke it).
      const userId = await loupe.makeUser({ role: arg as Role, name: `Target ${arg}` });
      await loupe.store.createAgentToken({
        id: randomUUID(), orgId: W.org.A, userId, name: 'target token', tokenHash: hashAgentToken(generateAgentToken()), scopes: BOTH,
        createdAt: Date.now(), expiresAt: null, lastUsedAt: null, revokedAt: null,
      });
      return userId;
    }
    case 'new-token':
      return (await mintToken(arg === 'self' ? live.headers : W.session[arg as UserKey], 'fresh target token')).id;
    case 'new-invitation': {
      const res = await call('POST', '/api/v1/org/invitations', { headers: W.session.owner, json: { role: 'member' } });
      expect(res.status, res.text).toBe(201);
      return (res.json() as { id: string }).id;
    }
    default:
      throw new Error(`unknown placeholder {${key}}`);
  }
}

const PLACEHOLDER = /\{([a-z-]+(?::[A-Za-z]+)?)\}/g;

async function fill(template: string, live: Live, artifactId: string | null, vars: Record<string, string>, missingSubject?: string): Promise<string> {
  let out = template;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const key = match[1];
    let value: string;
    if (key === missingSubject) value = randomUUID();
    else value = vars[key] ??= await resolvePlaceholder(key, live, artifactId);
    out = out.replace(match[0], value);
  }
  return out;
}

async function fillDeep(value: unknown, live: Live, artifactId: string | null, vars: Record<string, string>): Promise<unknown> {
  if (typeof value === 'string') return fill(value, live, artifactId, vars);
  if (Array.isArray(value)) return Promise.all(value.map((v) => fillDeep(v, live, artifactId, vars)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await fillDeep(v, live, artifactId, vars);
    return out;
  }
  return value;
}

function send(live: Live, method: Method, path: string, options: { json?: unknown; text?: string; origin?: 'none' | 'evil'; expect401?: boolean }): Promise<Res> {
  const headers = { ...live.headers };
  if (options.origin === 'none') delete headers.origin;
  if (options.origin === 'evil') headers.origin = EVIL_ORIGIN;
  return call(method, path, { headers, json: options.json, text: options.text, localAddress: options.expect401 ? badAddress() : undefined });
}

/** After an allowed request: exactly the expected audit entry (by this actor) in the caller's org, nothing anywhere else. */
async function expectAudited(live: Live, before: Snap, action: string | undefined): Promise<void> {
  const own = orgKeyOf(live.orgId)!;
  for (const key of Object.keys(W.org) as OrgKey[]) {
    if (key === own) continue;
    expect(await auditLengthOf(W.org[key]), `audit of org ${key}`).toBe(auditLength(before, key));
  }
  if (!action) {
    expect(await auditLengthOf(live.orgId!), 'no audit entry for this action').toBe(auditLength(before, own));
    return;
  }
  // Views are recorded off the request path: wait for the entry rather than for time.
  await expect.poll(() => auditLengthOf(live.orgId!), { timeout: DEADLINE_MS, interval: 5 }).toBe(auditLength(before, own) + 1);
  const last = (await loupe.store.readAuditChain(live.orgId!, auditLength(before, own), 1)).at(0)!;
  expect(last.action).toBe(action);
  expect(last.actorKind).toBe(live.model.kind === 'agent' ? 'agent' : 'user');
  expect(last.actorId).toBe(live.model.kind === 'agent' ? live.tokenId : live.userId);
}

async function runHttpCase(c: HttpCase): Promise<void> {
  const live = c.fresh ? await freshPrincipal(c.as) : W.live.get(c.as)!;
  const artifactId =
    c.target === undefined ? null : c.target === 'missing' ? randomUUID() : c.freshTarget ? await makeArtifact(c.target, 'matrix-fresh') : W.artifact[c.target];
  const vars: Record<string, string> = {};
  const path = await fill(c.path, live, artifactId, vars);
  const json = c.json === undefined ? undefined : await fillDeep(c.json, live, artifactId, vars);
  const watch: Watch = {
    artifacts: [...SHARED.map((t) => W.artifact[t]), ...(artifactId && c.target !== 'missing' ? [artifactId] : [])],
    ids: [...Object.values(vars), ...Object.values(W.invitation), ...(live.userId ? [live.userId] : [])],
  };
  const before = await snapshot(watch);

  const res = await send(live, c.method, path, { json, text: c.text, origin: c.origin, expect401: c.expect === 401 });
  expect(res.status, `${c.method} ${path} answered ${res.text.slice(0, 300)}`).toBe(c.expect);

  if (c.expect >= 400) {
    expect(res.json().error.code).toBe(ERROR_CODE[c.expect]);
    // Denied: nothing changed, not even the audit log (the action did not happen).
    expect(await snapshot(watch)).toEqual(before);
    if (c.subject) {
      // Another org's record answers exactly like one that does not exist.
      const missingPath = await fill(c.path, live, artifactId, { ...vars }, c.subject);
      expect(missingPath).not.toBe(path);
      const missing = await send(live, c.method, missingPath, { json, text: c.text });
      expect({ status: missing.status, body: missing.json() }).toEqual({ status: res.status, body: res.json() });
    }
  } else {
    await expectAudited(live, before, c.audits);
  }
  if (c.check) await c.check(res, { live, artifactId, vars, before });
}

// ---- the artifact routes × principals × targets -------------------------

interface ArtRouteSpec {
  key: ArtRoute;
  method: Method;
  path: string;
  json?: unknown;
  text?: string;
  mutates: boolean;
  audits?: string;
  check?: (as: PName, target: TKey) => HttpCase['check'];
}

const PUT_TEXT = '<p>written by the matrix</p>';
const STREAM_TEXT = '<p>streamed by the matrix</p>';

const ART_ROUTES: ArtRouteSpec[] = [
  {
    key: 'get', method: 'GET', path: '/api/v1/artifacts/{id}', mutates: false,
    check: (as, target) => (res, x) => {
      const p = MODEL[as];
      const t = TMODEL[target];
      const body = res.json();
      expect(body.id).toBe(x.artifactId);
      // What the API says the caller may do is what the matrix enforces.
      expect(body.access).toEqual({ content: contentAccess(p, t), review: reviewAccess(p, t) });
      expect(body.can).toEqual({
        publish: t.status === 'draft' && mayPublish(p, 'member'),
        requestPublication: canRequest(p, t, 'member'),
        changeAccess: canChangeAccess(p, t),
        legalHold: isAdminUser(p),
        export: isAdminUser(p),
      });
    },
  },
  {
    key: 'content', method: 'GET', path: '/api/v1/artifacts/{id}/content', mutates: false, audits: 'artifact.view',
    check: () => (res, x) => expect(res.text).toBe(W.html.get(x.artifactId!)),
  },
  {
    key: 'put', method: 'PUT', path: '/api/v1/artifacts/{id}/content', text: PUT_TEXT, mutates: true,
    check: () => async (_res, x) => expect((await storedDoc(x.artifactId!)).getText('html').toString()).toBe(PUT_TEXT),
  },
  {
    key: 'stream', method: 'POST', path: '/api/v1/artifacts/{id}/stream', text: STREAM_TEXT, mutates: true,
    check: () => async (_res, x) => expect((await storedDoc(x.artifactId!)).getText('html').toString()).toBe(W.html.get(x.artifactId!) + STREAM_TEXT),
  },
  {
    key: 'publish', method: 'POST', path: '/api/v1/artifacts/{id}/publish', json: { visibility: 'org' }, mutates: true, audits: 'artifact.publish',
    check: () => async (_res, x) =>
      expect(await loupe.store.getArtifact(x.artifactId!)).toMatchObject({ status: 'published', visibility: 'org', publishedBy: x.live.userId }),
  },
  { key: 'request', method: 'POST', path: '/api/v1/artifacts/{id}/request-publication', mutates: true, audits: 'artifact.publish_request' },
  {
    key: 'access', method: 'PUT', path: '/api/v1/artifacts/{id}/access', json: { visibility: 'members', members: [] }, mutates: true, audits: 'artifact.access_change',
    check: () => async (_res, x) => expect(await loupe.store.getArtifact(x.artifactId!)).toMatchObject({ visibility: 'members', members: [] }),
  },
  {
    key: 'hold', method: 'PUT', path: '/api/v1/artifacts/{id}/legal-hold', json: { hold: true }, mutates: true, audits: 'artifact.legal_hold',
    check: () => async (_res, x) => expect((await loupe.store.getArtifact(x.artifactId!))!.legalHold).toBe(true),
  },
  {
    key: 'export', method: 'GET', path: '/api/v1/artifacts/{id}/export', mutates: false, audits: 'artifact.export',
    check: () => (res) => {
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.body.subarray(0, 2).toString()).toBe('PK');
    },
  },
];

function artifactCases(): HttpCase[] {
  const cases: HttpCase[] = [];
  for (const route of ART_ROUTES) {
    for (const as of VALID) {
      for (const target of MATRIX_TARGETS) {
        const status = expectArtifact(route.key, MODEL[as], target);
        const allowed = status < 300;
        const otherOrg = target !== 'missing' && TMODEL[target].org !== MODEL[as].org;
        cases.push({
          as, method: route.method, path: route.path, target, json: route.json, text: route.text, expect: status,
          freshTarget: allowed && route.mutates,
          subject: otherOrg ? 'id' : undefined,
          audits: allowed ? route.audits : undefined,
          check: allowed && target !== 'missing' ? route.check?.(as, target) : undefined,
        });
      }
    }
    for (const as of BAD) cases.push({ as, method: route.method, path: route.path, target: 'orgWide', json: route.json, text: route.text, expect: 401 });
  }
  return cases;
}

// ---- the other routes × principals --------------------------------------

interface RouteSpec {
  method: Method;
  path: string | ((as: PName) => string);
  json?: unknown | ((as: PName) => unknown);
  expect: (p: PModel, as: PName) => number;
  fresh?: (p: PModel) => boolean;
  subject?: (as: PName) => string | undefined;
  audits?: string;
  /** Checks an allowed answer (or, with `checkDenied`, every answer). */
  check?: (as: PName) => HttpCase['check'];
  checkDenied?: boolean;
}

const userOr403 = (ok: number) => (p: PModel) => (isUser(p) ? ok : 403);
const adminOr403 = (ok: number) => (p: PModel) => (isAdminUser(p) ? ok : 403);

const ownOrgId = (x: Ctx) => x.live.orgId!;

const ROUTES: RouteSpec[] = [
  {
    method: 'GET', path: '/api/v1/me', expect: () => 200,
    check: (as) => (res, x) => {
      const body = res.json();
      expect(body).toMatchObject({ kind: MODEL[as].kind, role: MODEL[as].role, user: { id: x.live.userId }, org: { id: ownOrgId(x) } });
      expect(body.can).toEqual({ publish: mayPublish(MODEL[as], 'member'), admin: isAdminUser(MODEL[as]) });
    },
  },
  {
    method: 'PATCH', path: '/api/v1/me', json: { name: '{self-name}' }, expect: userOr403(200),
    check: () => async (res, x) => expect(res.json().user.name).toBe((await loupe.store.getUser(x.live.userId!))!.name),
  },
  {
    method: 'GET', path: '/api/v1/org', expect: () => 200,
    check: () => (res, x) => expect(res.json()).toMatchObject({ id: ownOrgId(x), settings: { publishRole: 'member' } }),
  },
  {
    method: 'PATCH', path: '/api/v1/org', json: (as: PName) => ({ name: `Matrix org, renamed by ${as}` }), expect: adminOr403(200), audits: 'org.settings_change',
    check: (as) => async (_res, x) => expect((await loupe.store.getOrg(ownOrgId(x)))!.name).toBe(`Matrix org, renamed by ${as}`),
  },
  {
    method: 'GET', path: '/api/v1/org/members', expect: userOr403(200),
    check: (as) => (res, x) => {
      const items = res.json().items as Array<{ userId: string; email: string | null }>;
      expect(items.map((i) => i.userId)).toContain(x.live.userId);
      const outsider = MODEL[as].org === 'A' ? W.user.otherMember : W.user.member;
      expect(items.map((i) => i.userId)).not.toContain(outsider);
      // Viewers see names only.
      for (const item of items) expect(item.email === null).toBe(MODEL[as].role === 'viewer');
    },
  },
  {
    method: 'PATCH', path: (as) => (isAdminUser(MODEL[as]) ? '/api/v1/org/members/{new-user:member}' : '/api/v1/org/members/{user:bystander}'),
    json: { role: 'viewer' }, expect: adminOr403(200), audits: 'member.role_change',
    check: () => async (_res, x) => expect((await loupe.store.getMembership(ownOrgId(x), x.vars['new-user:member']))!.role).toBe('viewer'),
  },
  {
    method: 'DELETE', path: (as) => (isAdminUser(MODEL[as]) ? '/api/v1/org/members/{new-user:member}' : '/api/v1/org/members/{user:bystander}'),
    // Other orgs' people are looked up in the caller's org first: not there, 404.
    expect: (p) => (p.org !== 'A' ? 404 : isAdminUser(p) ? 204 : 403),
    subject: (as) => (MODEL[as].org !== 'A' ? 'user:bystander' : undefined),
    audits: 'member.remove',
    check: () => async (_res, x) => {
      const removed = x.vars['new-user:member'];
      expect(await loupe.store.getMembership(ownOrgId(x), removed)).toBeNull();
      // Their tokens in this org are revoked with them.
      const tokens = await loupe.store.listAgentTokens({ orgId: ownOrgId(x), userId: removed });
      expect(tokens.length).toBeGreaterThan(0);
      for (const token of tokens) expect(token.revokedAt).not.toBeNull();
    },
  },
  {
    method: 'GET', path: '/api/v1/org/invitations', expect: adminOr403(200),
    check: () => (res) => {
      const ids = (res.json().items as Array<{ id: string }>).map((i) => i.id);
      expect(ids).toContain(W.invitation.pending);
      expect(ids).not.toContain(W.invitation.other);
    },
  },
  {
    method: 'POST', path: '/api/v1/org/invitations', json: (as: PName) => ({ role: 'member', email: `invitee-${as.toLowerCase()}@example.com` }),
    expect: adminOr403(201), audits: 'member.invite',
    check: () => async (res, x) => {
      const body = res.json();
      expect(body.url).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
      expect(await loupe.store.getInvitation(body.id)).toMatchObject({ orgId: ownOrgId(x), createdBy: x.live.userId, role: 'member' });
    },
  },
  {
    method: 'DELETE', path: (as) => (isAdminUser(MODEL[as]) ? '/api/v1/org/invitations/{new-invitation}' : '/api/v1/org/invitations/{invitation:pending}'),
    expect: adminOr403(204), audits: 'member.invite_revoke',
    check: () => async (_res, x) => expect((await loupe.store.getInvitation(x.vars['new-invitation']))!.revokedAt).not.toBeNull(),
  },
  {
    method: 'GET', path: '/api/v1/tokens', expect: userOr403(200),
    check: () => (res, x) => {
      const items = res.json().items as Array<{ user: { id: string } }>;
      for (const item of items) expect(item.user.id).toBe(x.live.userId);
      if (x.live.userId === W.user.member) expect(items.map((i) => (i as unknown as { id: string }).id)).toContain(W.token.memberSpare);
    },
  },
  {
    method: 'GET', path: '/api/v1/tokens?all=1', expect: adminOr403(200),
    check: () => (res) => {
      const ids = (res.json().items as Array<{ id: string }>).map((i) => i.id);
      expect(ids).toContain(W.token.memberSpare);
      expect(ids).not.toContain(W.token.otherSpare);
    },
  },
  {
    method: 'POST', path: '/api/v1/tokens', json: { name: 'matrix token', scopes: ['comments:write'], expiresInDays: 30 },
    expect: userOr403(201), audits: 'token.create',
    check: () => async (res, x) => {
      const body = res.json();
      expect(await loupe.store.getAgentToken(body.id)).toMatchObject({ userId: x.live.userId, orgId: ownOrgId(x), scopes: ['comments:write'] });
      const me = await call('GET', '/api/v1/me', { headers: bearer(body.token) });
      expect(me.json()).toMatchObject({ kind: 'agent', user: { id: x.live.userId } });
    },
  },
  {
    method: 'DELETE',
    path: (as) => (isUser(MODEL[as]) ? '/api/v1/tokens/{new-token:self}' : MODEL[as].org === 'A' ? '/api/v1/tokens/{token:memberSpare}' : '/api/v1/tokens/{token:otherSpare}'),
    // Agents never manage tokens: 403, like every other governance action a token attempts.
    expect: (p) => (isUser(p) ? 204 : 403),
    audits: 'token.revoke',
    check: () => async (_res, x) => expect((await loupe.store.getAgentToken(x.vars['new-token:self']))!.revokedAt).not.toBeNull(),
  },
  {
    method: 'GET', path: '/api/v1/audit', expect: adminOr403(200),
    check: () => (res, x) => {
      const items = res.json().items as Array<{ orgId: string }>;
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(item.orgId).toBe(ownOrgId(x));
    },
  },
  {
    method: 'GET', path: '/api/v1/audit/export?format=json', expect: adminOr403(200), audits: 'audit.export',
    check: () => (res, x) => {
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.text).toContain(ownOrgId(x));
      expect(res.text).not.toContain(W.org.B);
    },
  },
  { method: 'GET', path: '/api/v1/audit/verify', expect: adminOr403(200), check: () => (res) => expect(res.json().ok).toBe(true) },
  {
    method: 'POST', path: '/api/collab-token', expect: userOr403(200),
    check: () => (res) => expect(typeof res.json().token).toBe('string'),
  },
  {
    method: 'GET', path: '/api/v1/artifacts?project=matrix-shared&limit=200', expect: () => 200,
    check: (as) => (res) => {
      const ids = (res.json().items as Array<{ id: string }>).map((i) => i.id).sort();
      const expected = SHARED.filter((t) => sees(MODEL[as], TMODEL[t])).map((t) => W.artifact[t]).sort();
      expect(ids).toEqual(expected);
    },
  },
  {
    method: 'POST', path: '/api/v1/artifacts', json: { title: 'Matrix create', project: 'matrix-created' },
    expect: (p) => (atLeast(p, 'member') ? 201 : 403), audits: 'artifact.create',
    check: (as) => async (res, x) => {
      // A person who may publish starts published; an agent's artifact is a draft.
      expect(await loupe.store.getArtifact(res.json().id)).toMatchObject({
        orgId: ownOrgId(x), createdBy: x.live.userId, status: isAgent(MODEL[as]) ? 'draft' : 'published',
      });
    },
  },
  {
    method: 'POST', path: '/api/v1/me/password', json: { currentPassword: 'not the password', newPassword: 'a brand new password' },
    // People: the current password is wrong (403); agents: sessions only (403).
    expect: () => 403,
  },
  {
    method: 'POST', path: '/api/v1/me/org', json: (as: PName) => ({ orgId: MODEL[as].org === 'A' ? '{org:B}' : '{org:A}' }),
    expect: (p) => (isUser(p) ? 404 : 403), checkDenied: true,
    check: () => (res) => expect(res.headers['set-cookie']).toBeUndefined(),
  },
  {
    method: 'POST', path: '/api/v1/me/sign-out-everywhere', expect: userOr403(204), fresh: isUser, audits: 'auth.sign_out_everywhere', checkDenied: true,
    check: (as) => async (res, x) => {
      if (res.status === 204) {
        const again = await call('GET', '/api/v1/me', { headers: x.live.headers, localAddress: badAddress() });
        expect(again.status).toBe(401);
      } else {
        // An agent did not sign its person out.
        const person = await call('GET', '/api/v1/me', { headers: W.session[MODEL[as].user!] });
        expect(person.status).toBe(200);
      }
    },
  },
];

function routeCases(): HttpCase[] {
  const cases: HttpCase[] = [];
  for (const route of ROUTES) {
    const specFor = (as: PName, status: number): HttpCase => {
      const path = typeof route.path === 'function' ? route.path(as) : route.path;
      const json = typeof route.json === 'function' ? (route.json as (as: PName) => unknown)(as) : route.json;
      return { as, method: route.method, path, json, expect: status };
    };
    for (const as of VALID) {
      const p = MODEL[as];
      const status = route.expect(p, as);
      const allowed = status < 300;
      cases.push({
        ...specFor(as, status),
        fresh: route.fresh?.(p),
        subject: route.subject?.(as),
        audits: allowed ? route.audits : undefined,
        check: allowed || route.checkDenied ? route.check?.(as) : undefined,
      });
    }
    for (const as of BAD) cases.push(specFor(as, 401));
  }
  return cases;
}

// ---- roles and ownership, other-org targets, token and invitation edges --

const EDGE_CASES: HttpCase[] = [
  // Roles: only an owner grants or takes away owner; nobody promotes themselves.
  { as: 'owner', method: 'PATCH', path: '/api/v1/org/members/{new-user:member}', json: { role: 'owner' }, expect: 200, audits: 'member.role_change', note: 'an owner grants owner' },
  { as: 'owner', method: 'PATCH', path: '/api/v1/org/members/{new-user:owner}', json: { role: 'admin' }, expect: 200, audits: 'member.role_change', note: 'an owner demotes another owner' },
  { as: 'admin', method: 'PATCH', path: '/api/v1/org/members/{new-user:admin}', json: { role: 'member' }, expect: 200, audits: 'member.role_change', note: 'admins manage admins' },
  { as: 'admin', method: 'PATCH', path: '/api/v1/org/members/{new-user:member}', json: { role: 'owner' }, expect: 403, note: 'only an owner grants owner' },
  { as: 'admin', method: 'PATCH', path: '/api/v1/org/members/{new-user:owner}', json: { role: 'member' }, expect: 403, note: 'only an owner demotes an owner' },
  { as: 'admin', fresh: true, method: 'PATCH', path: '/api/v1/org/members/{self}', json: { role: 'owner' }, expect: 403, note: 'self-promotion' },
  { as: 'member', fresh: true, method: 'PATCH', path: '/api/v1/org/members/{self}', json: { role: 'admin' }, expect: 403, note: 'self-promotion' },
  { as: 'viewer', fresh: true, method: 'PATCH', path: '/api/v1/org/members/{self}', json: { role: 'member' }, expect: 403, note: 'self-promotion' },
  { as: 'memberAgent', fresh: true, method: 'PATCH', path: '/api/v1/org/members/{self}', json: { role: 'owner' }, expect: 403, note: 'an agent promoting its person' },
  { as: 'adminAgent', method: 'PATCH', path: '/api/v1/org/members/{user:bystander}', json: { role: 'admin' }, expect: 403, note: 'an admin’s agent manages no one' },
  { as: 'owner', method: 'PATCH', path: '/api/v1/org/members/{user:otherMember}', json: { role: 'viewer' }, expect: 404, subject: 'user:otherMember', note: 'another org’s person' },
  { as: 'admin', method: 'PATCH', path: '/api/v1/org/members/{user:otherMember}', json: { role: 'viewer' }, expect: 404, subject: 'user:otherMember', note: 'another org’s person' },
  // Removal: admins remove non-owners, owners anyone, everyone may leave; agents never.
  { as: 'owner', method: 'DELETE', path: '/api/v1/org/members/{new-user:owner}', expect: 204, audits: 'member.remove', note: 'owners remove owners' },
  { as: 'admin', method: 'DELETE', path: '/api/v1/org/members/{new-user:admin}', expect: 204, audits: 'member.remove', note: 'admins remove admins' },
  { as: 'admin', method: 'DELETE', path: '/api/v1/org/members/{new-user:owner}', expect: 403, note: 'admins do not remove owners' },
  { as: 'member', method: 'DELETE', path: '/api/v1/org/members/{user:viewer}', expect: 403, note: 'a member removes no one' },
  { as: 'admin', fresh: true, method: 'DELETE', path: '/api/v1/org/members/{self}', expect: 204, audits: 'member.remove', note: 'leaving' },
  { as: 'member', fresh: true, method: 'DELETE', path: '/api/v1/org/members/{self}', expect: 204, audits: 'member.remove', note: 'leaving' },
  { as: 'viewer', fresh: true, method: 'DELETE', path: '/api/v1/org/members/{self}', expect: 204, audits: 'member.remove', note: 'leaving' },
  { as: 'memberAgent', fresh: true, method: 'DELETE', path: '/api/v1/org/members/{self}', expect: 403, note: 'an agent does not make its person leave' },
  { as: 'adminAgent', method: 'DELETE', path: '/api/v1/org/members/{user:bystander}', expect: 403, note: 'an admin’s agent removes no one' },
  { as: 'owner', method: 'DELETE', path: '/api/v1/org/members/{user:otherMember}', expect: 404, subject: 'user:otherMember', note: 'another org’s person' },
  { as: 'admin', method: 'DELETE', path: '/api/v1/org/members/{missing}', expect: 404, note: 'nobody' },
  // The last owner stays.
  { as: 'soleOwner', method: 'PATCH', path: '/api/v1/org/members/{self}', json: { role: 'admin' }, expect: 409, note: 'the last owner cannot be demoted' },
  { as: 'soleOwner', method: 'DELETE', path: '/api/v1/org/members/{self}', expect: 409, note: 'the last owner cannot leave' },
  // Invitations: up to the inviter's own role; another org's reads as missing.
  { as: 'admin', method: 'POST', path: '/api/v1/org/invitations', json: { role: 'owner' }, expect: 403, note: 'above the inviter’s role' },
  { as: 'admin', method: 'POST', path: '/api/v1/org/invitations', json: { role: 'admin' }, expect: 201, audits: 'member.invite', note: 'up to the inviter’s role' },
  { as: 'owner', method: 'POST', path: '/api/v1/org/invitations', json: { role: 'owner' }, expect: 201, audits: 'member.invite' },
  { as: 'adminAgent', method: 'POST', path: '/api/v1/org/invitations', json: { role: 'member' }, expect: 403, note: 'an admin’s agent invites no one' },
  { as: 'owner', method: 'DELETE', path: '/api/v1/org/invitations/{invitation:other}', expect: 404, subject: 'invitation:other', note: 'another org’s invitation' },
  { as: 'admin', method: 'DELETE', path: '/api/v1/org/invitations/{invitation:other}', expect: 404, subject: 'invitation:other', note: 'another org’s invitation' },
  // Tokens: your own, or any in the org as an admin; another org's reads as missing.
  { as: 'owner', method: 'DELETE', path: '/api/v1/tokens/{new-token:member}', expect: 204, audits: 'token.revoke', note: 'an owner revokes a member’s token' },
  { as: 'admin', method: 'DELETE', path: '/api/v1/tokens/{new-token:viewer}', expect: 204, audits: 'token.revoke', note: 'an admin revokes a viewer’s token' },
  { as: 'member', method: 'DELETE', path: '/api/v1/tokens/{token:viewerSpare}', expect: 403, note: 'someone else’s token' },
  { as: 'viewer', method: 'DELETE', path: '/api/v1/tokens/{token:memberSpare}', expect: 403, note: 'someone else’s token' },
  { as: 'memberAgent', method: 'DELETE', path: '/api/v1/tokens/{new-token:member}', expect: 403, note: 'an agent revoking its own person’s token' },
  { as: 'adminAgent', method: 'DELETE', path: '/api/v1/tokens/{token:viewerSpare}', expect: 403, note: 'an admin’s agent revokes nothing' },
  { as: 'owner', method: 'DELETE', path: '/api/v1/tokens/{token:otherSpare}', expect: 404, subject: 'token:otherSpare', note: 'another org’s token' },
  { as: 'otherMember', method: 'DELETE', path: '/api/v1/tokens/{token:memberSpare}', expect: 404, subject: 'token:memberSpare', note: 'another org’s token' },
  { as: 'memberAgent', method: 'GET', path: '/api/v1/tokens?all=1', expect: 403 },
  { as: 'adminAgent', method: 'GET', path: '/api/v1/tokens?all=1', expect: 403 },
  // Reads with a cookie need no Origin.
  { as: 'member', method: 'GET', path: '/api/v1/artifacts/{id}', target: 'orgWide', origin: 'none', expect: 200 },
];

// ---- mass assignment: role, orgId, createdBy, status, userId are never taken from a body ----

const MASS: Record<string, unknown> = { orgId: '{org:B}', createdBy: '{user:owner}', userId: '{user:owner}', role: 'owner', status: 'published' };

const MASS_ASSIGNMENT_CASES: HttpCase[] = [
  {
    as: 'memberAgent', method: 'POST', path: '/api/v1/artifacts', json: { title: 'Mass assigned', ...MASS, visibility: 'members', legalHold: true, id: 'chosen-id' },
    expect: 201, audits: 'artifact.create', note: 'mass-assigned fields ignored',
    check: async (res) => {
      const body = res.json();
      expect(body.id).not.toBe('chosen-id');
      expect(await loupe.store.getArtifact(body.id)).toMatchObject({ orgId: W.org.A, createdBy: W.user.member, status: 'draft', legalHold: false, visibility: 'org' });
    },
  },
  {
    as: 'member', method: 'POST', path: '/api/v1/artifacts', json: { title: 'Mass assigned', ...MASS, status: 'draft' },
    expect: 201, audits: 'artifact.create', note: 'mass-assigned fields ignored',
    check: async (res) =>
      expect(await loupe.store.getArtifact(res.json().id)).toMatchObject({ orgId: W.org.A, createdBy: W.user.member, status: 'published' }),
  },
  {
    as: 'viewer', method: 'POST', path: '/api/v1/artifacts', json: { title: 'Mass assigned', ...MASS }, expect: 403, note: 'a role in the body is not the caller’s',
  },
  {
    as: 'viewer', method: 'PATCH', path: '/api/v1/me', json: { name: '{self-name}', ...MASS, email: 'takeover@example.com' },
    expect: 200, note: 'mass-assigned fields ignored',
    check: async (res, x) => {
      expect(res.json()).toMatchObject({ role: 'viewer', org: { id: W.org.A }, user: { id: W.user.viewer } });
      expect((await loupe.store.getMembership(W.org.A, W.user.viewer))!.role).toBe('viewer');
      expect(await loupe.store.getMembership(W.org.B, W.user.viewer)).toBeNull();
      expect(await loupe.store.getUser(W.user.viewer)).toEqual((x.before.records[W.user.viewer] as { user: unknown }).user);
      expect(await loupe.store.getUser(W.user.owner)).toEqual((x.before.records[W.user.owner] as { user: unknown }).user);
    },
  },
  {
    as: 'member', method: 'POST', path: '/api/v1/tokens',
    json: { name: 'mass token', scopes: ['comments:write'], expiresInDays: 30, ...MASS, revokedAt: null, id: 'chosen-id', tokenHash: 'x' },
    expect: 201, audits: 'token.create', note: 'mass-assigned fields ignored',
    check: async (res) => {
      const body = res.json();
      expect(body.id).not.toBe('chosen-id');
      expect(await loupe.store.getAgentToken(body.id)).toMatchObject({ userId: W.user.member, orgId: W.org.A });
      expect(body.user.id).toBe(W.user.member);
    },
  },
  {
    as: 'admin', method: 'PATCH', path: '/api/v1/org/members/{new-user:member}', json: { role: 'viewer', orgId: '{org:B}', userId: '{user:owner}' },
    expect: 200, audits: 'member.role_change', note: 'only the path’s member, in the caller’s org',
    check: async (_res, x) => {
      expect((await loupe.store.getMembership(W.org.A, x.vars['new-user:member']))!.role).toBe('viewer');
      expect((await loupe.store.getMembership(W.org.A, W.user.owner))!.role).toBe('owner');
      expect(await loupe.store.getMembership(W.org.B, x.vars['new-user:member'])).toBeNull();
    },
  },
  {
    as: 'admin', method: 'POST', path: '/api/v1/org/invitations', json: { ...MASS, role: 'member', acceptedAt: 1, id: 'chosen-id' },
    expect: 201, audits: 'member.invite', note: 'mass-assigned fields ignored',
    check: async (res) => {
      const body = res.json();
      expect(body.id).not.toBe('chosen-id');
      expect(await loupe.store.getInvitation(body.id)).toMatchObject({ orgId: W.org.A, createdBy: W.user.admin, role: 'member', acceptedAt: null });
    },
  },
  {
    as: 'member', method: 'PUT', path: '/api/v1/artifacts/{id}/access', target: 'ownPublished', freshTarget: true,
    json: { visibility: 'members', members: [], ...MASS, status: 'draft', createdBy: '{user:viewer}', legalHold: true },
    expect: 200, audits: 'artifact.access_change', note: 'mass-assigned fields ignored',
    check: async (_res, x) =>
      expect(await loupe.store.getArtifact(x.artifactId!)).toMatchObject({ orgId: W.org.A, createdBy: W.user.member, status: 'published', legalHold: false, visibility: 'members' }),
  },
  {
    as: 'member', method: 'POST', path: '/api/v1/artifacts/{id}/publish', target: 'draft', freshTarget: true,
    json: { visibility: 'org', ...MASS, status: 'draft', createdBy: '{user:viewer}', publishedBy: '{user:owner}' },
    expect: 200, audits: 'artifact.publish', note: 'mass-assigned fields ignored',
    check: async (_res, x) =>
      expect(await loupe.store.getArtifact(x.artifactId!)).toMatchObject({ orgId: W.org.A, createdBy: W.user.member, status: 'published', publishedBy: W.user.member }),
  },
  {
    as: 'admin', method: 'PUT', path: '/api/v1/artifacts/{id}/legal-hold', target: 'orgWide', freshTarget: true,
    json: { hold: true, ...MASS, status: 'draft', createdBy: '{user:admin}' },
    expect: 200, audits: 'artifact.legal_hold', note: 'mass-assigned fields ignored',
    check: async (_res, x) =>
      expect(await loupe.store.getArtifact(x.artifactId!)).toMatchObject({ orgId: W.org.A, createdBy: W.user.author, status: 'published', legalHold: true }),
  },
  {
    as: 'owner', method: 'PATCH', path: '/api/v1/org', json: { name: 'Matrix org (mass)', id: '{org:B}', ...MASS, createdAt: 0 },
    expect: 200, audits: 'org.settings_change', note: 'mass-assigned fields ignored',
    check: async (_res, x) => {
      expect((await loupe.store.getOrg(W.org.A))!.name).toBe('Matrix org (mass)');
      expect(await loupe.store.getOrg(W.org.B)).toEqual((x.before.perOrg.B as { org: unknown }).org);
    },
  },
  { as: 'member', method: 'PATCH', path: '/api/v1/org', json: { name: 'Taken over', ...MASS }, expect: 403, note: 'a role in the body is not the caller’s' },
  { as: 'member', method: 'PATCH', path: '/api/v1/org/members/{user:bystander}', json: { ...MASS, role: 'admin' }, expect: 403, note: 'a role in the body is not the caller’s' },
];

// ---- cookie writes from another site (or none): 403, nothing changes ----

const CSRF_TEMPLATES: Array<Omit<HttpCase, 'expect' | 'origin'>> = [
  { as: 'member', method: 'POST', path: '/api/v1/artifacts', json: { title: 'Cross-site' } },
  { as: 'member', method: 'PUT', path: '/api/v1/artifacts/{id}/content', target: 'ownPublished', freshTarget: true, text: '<p>cross-site</p>' },
  { as: 'member', method: 'POST', path: '/api/v1/artifacts/{id}/stream', target: 'ownPublished', freshTarget: true, text: '<p>cross-site</p>' },
  { as: 'member', method: 'POST', path: '/api/v1/artifacts/{id}/publish', target: 'draft', freshTarget: true, json: { visibility: 'org' } },
  { as: 'member', method: 'POST', path: '/api/v1/artifacts/{id}/request-publication', target: 'draft', freshTarget: true },
  { as: 'member', method: 'PUT', path: '/api/v1/artifacts/{id}/access', target: 'ownPublished', freshTarget: true, json: { visibility: 'members', members: [] } },
  { as: 'admin', method: 'PUT', path: '/api/v1/artifacts/{id}/legal-hold', target: 'orgWide', freshTarget: true, json: { hold: true } },
  { as: 'member', method: 'PATCH', path: '/api/v1/me', json: { name: 'Renamed cross-site' } },
  { as: 'member', method: 'POST', path: '/api/v1/me/password', json: { currentPassword: 'whatever it is', newPassword: 'chosen by the attacker' } },
  { as: 'member', method: 'POST', path: '/api/v1/me/org', json: { orgId: '{org:A}' }, check: (res) => expect(res.headers['set-cookie']).toBeUndefined() },
  {
    as: 'member', fresh: true, method: 'POST', path: '/api/v1/me/sign-out-everywhere',
    check: async (_res, x) => expect((await call('GET', '/api/v1/me', { headers: x.live.headers })).status).toBe(200),
  },
  { as: 'owner', method: 'PATCH', path: '/api/v1/org', json: { name: 'Cross-site org', publishRole: 'admin' } },
  { as: 'owner', method: 'PATCH', path: '/api/v1/org/members/{new-user:member}', json: { role: 'admin' } },
  { as: 'owner', method: 'DELETE', path: '/api/v1/org/members/{new-user:member}' },
  { as: 'owner', method: 'POST', path: '/api/v1/org/invitations', json: { role: 'admin' } },
  { as: 'owner', method: 'DELETE', path: '/api/v1/org/invitations/{new-invitation}' },
  { as: 'member', method: 'POST', path: '/api/v1/tokens', json: { name: 'cross-site', scopes: BOTH, expiresInDays: null } },
  { as: 'member', method: 'DELETE', path: '/api/v1/tokens/{new-token:self}' },
  { as: 'member', method: 'POST', path: '/api/collab-token' },
];

const CSRF_CASES: HttpCase[] = CSRF_TEMPLATES.flatMap((c) => [
  { ...c, origin: 'none' as const, expect: 403 },
  { ...c, origin: 'evil' as const, expect: 403 },
]);

// ---------------------------------------------------------------------------
// Rooms: stock y-websocket clients.
// ---------------------------------------------------------------------------

type RoomKind = 'content' | 'review' | 'notes';
type Via =
  | 'default'
  | 'cookie'
  | 'cookie-no-origin'
  | 'cookie-evil-origin'
  | 'cookie-evil-origin-empty-token'
  | 'tampered-collab-token'
  | 'expired-collab-token'
  | 'revoked-session-collab-token';

interface RoomCase {
  as: PName;
  room: RoomKind;
  target: Target;
  via?: Via;
  expect: 'write' | 'read' | typeof CloseCode.UNAUTHORIZED | typeof CloseCode.NOT_FOUND;
  note?: string;
}

interface RoomClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  destroy(): void;
}

function openRoom(docName: string, auth: { token?: string; headers?: Record<string, string> }): RoomClient {
  const doc = new Y.Doc();
  const headers = auth.headers;
  const Polyfill = headers
    ? class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers });
        }
      }
    : WebSocket;
  const provider = new WebsocketProvider(loupe.wsUrl, docName, doc, {
    WebSocketPolyfill: Polyfill as unknown as typeof globalThis.WebSocket,
    params: auth.token !== undefined ? { token: auth.token } : {},
    disableBc: true,
  });
  return {
    doc,
    provider,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** The first outcome of a connection: synced, or closed with a code. A deadline, not a sleep. */
type Outcome = 'synced' | { closed: number; reason: string };

function firstOutcome(client: RoomClient): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither synced nor closed within the deadline')), DEADLINE_MS);
    const done = (outcome: Outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    client.provider.once('sync', () => done('synced'));
    client.provider.on('connection-close', (event) => {
      if (event) done({ closed: event.code, reason: event.reason });
    });
  });
}

/** Connects, takes the first outcome, disconnects. */
async function outcomeOf(docName: string, auth: { token?: string; headers?: Record<string, string> }): Promise<Outcome> {
  const client = openRoom(docName, auth);
  try {
    return await firstOutcome(client);
  } finally {
    client.destroy();
  }
}

function nextClose(client: RoomClient): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the socket was not closed within the deadline')), DEADLINE_MS);
    client.provider.on('connection-close', (event) => {
      if (!event) return;
      clearTimeout(timer);
      resolve(event.code);
    });
  });
}

/**
 * The server's document as it stands once it has processed everything this
 * client sent: a sync step 1 goes down the same socket (so after any update
 * sent before it) and the step 2 answer carries the server's whole state.
 */
function serverState(client: RoomClient): Promise<Y.Doc> {
  const ws = client.provider.ws as unknown as WebSocket;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no sync step 2 within the deadline')), DEADLINE_MS);
    const onMessage = (event: WebSocket.MessageEvent) => {
      const decoder = decoding.createDecoder(new Uint8Array(event.data as ArrayBuffer));
      if (decoding.readVarUint(decoder) !== 0 || decoding.readVarUint(decoder) !== 1) return;
      ws.removeEventListener('message', onMessage);
      clearTimeout(timer);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
      resolve(doc);
    };
    ws.addEventListener('message', onMessage);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0); // sync
    encoding.writeVarUint(encoder, 0); // step 1
    // A state vector naming a client that never wrote: the answer is everything.
    encoding.writeVarUint8Array(encoder, Y.encodeStateVector(new Map([[1, 0]])));
    ws.send(encoding.toUint8Array(encoder));
  });
}

function probe(doc: Y.Doc, room: RoomKind, marker: string): void {
  if (room === 'content') doc.getText('html').insert(0, marker);
  // Text in the notes' root XmlText, where @lexical/yjs keeps the note (the room refuses other roots).
  else if (room === 'notes') doc.get('root', Y.XmlText).insert(0, marker);
  else doc.getMap('threads').set(marker, { body: 'probe comment' });
}

function hasProbe(doc: Y.Doc, room: RoomKind, marker: string): boolean {
  if (room === 'content') return doc.getText('html').toString().includes(marker);
  if (room === 'notes') return doc.get('root', Y.XmlText).toString().includes(marker);
  return doc.getMap('threads').has(marker);
}

async function collabToken(session: Record<string, string>): Promise<string> {
  const res = await call('POST', '/api/collab-token', { headers: session });
  expect(res.status, res.text).toBe(200);
  return res.json().token as string;
}

/** A session whose id we know (the helper's cookie hides it), for signing collab tokens by hand. */
async function knownSession(userId: string): Promise<string> {
  const sid = randomUUID();
  await loupe.store.createSession({ id: sid, userId, createdAt: Date.now(), expiresAt: Date.now() + 3_600_000, revokedAt: null });
  return sid;
}

async function roomAuth(live: Live, via: Via): Promise<{ token?: string; headers?: Record<string, string> }> {
  const cookie = live.headers.cookie;
  switch (via) {
    case 'default':
      if (live.model.kind === 'user') return { token: await collabToken(live.headers) };
      if (live.model.kind === 'anon') return {};
      return { token: live.secret! };
    case 'cookie':
      return { headers: { cookie, origin: loupe.server.appOrigin } };
    case 'cookie-no-origin':
      return { headers: { cookie } };
    case 'cookie-evil-origin':
      return { headers: { cookie, origin: EVIL_ORIGIN } };
    case 'cookie-evil-origin-empty-token':
      return { headers: { cookie, origin: EVIL_ORIGIN }, token: '' };
    case 'tampered-collab-token': {
      const token = await collabToken(live.headers);
      return { token: token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA') };
    }
    case 'expired-collab-token': {
      const sid = await knownSession(live.userId!);
      return { token: signClaims({ typ: 'collab', sid, org: live.orgId, exp: Math.floor(Date.now() / 1000) - 60 }, loupe.server.services.authSecret) };
    }
    case 'revoked-session-collab-token': {
      const sid = await knownSession(live.userId!);
      const token = signClaims({ typ: 'collab', sid, org: live.orgId, exp: Math.floor(Date.now() / 1000) + 300 }, loupe.server.services.authSecret);
      await loupe.store.revokeSession(sid, Date.now());
      return { token };
    }
  }
}

function expectRoom(room: RoomKind, p: PModel, target: Target): RoomCase['expect'] {
  if (!hasCredential(p)) return CloseCode.UNAUTHORIZED;
  if (target === 'missing') return CloseCode.NOT_FOUND;
  const access = room === 'content' ? contentAccess(p, TMODEL[target]) : reviewAccess(p, TMODEL[target]);
  if (access === 'none') return CloseCode.NOT_FOUND;
  // The review room's document is the server's projection: everyone who sees it reads it, nobody writes it directly.
  return room === 'review' ? 'read' : access;
}

function roomCaseName(c: RoomCase): string {
  const outcome = c.expect === 'write' ? 'writes (update stored)' : c.expect === 'read' ? 'read-only (update dropped)' : `closed ${c.expect}`;
  const target = `{${c.target}${c.expect === 'write' ? '*' : ''}}`;
  const via = c.via && c.via !== 'default' ? ` via ${c.via}` : '';
  return `${c.room} room: ${c.as}${via} on ${target} → ${outcome}${c.note ? ` (${c.note})` : ''}`;
}

async function runRoomCase(c: RoomCase): Promise<void> {
  const live = W.live.get(c.as)!;
  const write = c.expect === 'write';
  const id = c.target === 'missing' ? randomUUID() : write ? await makeArtifact(c.target, 'matrix-fresh') : W.artifact[c.target];
  const docName = c.room === 'content' ? id : `${id}/${c.room}`;
  const watch: Watch = { artifacts: [...SHARED.map((t) => W.artifact[t]), ...(c.target === 'missing' ? [] : [id])], ids: [] };
  const before = await snapshot(watch);
  const via = c.via ?? 'default';
  const client = openRoom(docName, await roomAuth(live, via));
  try {
    const outcome = await firstOutcome(client);
    if (typeof c.expect === 'number') {
      expect(outcome).toMatchObject({ closed: c.expect });
      expect(await snapshot(watch)).toEqual(before);
      if (c.target !== 'missing' && TMODEL[c.target].org !== live.model.org && hasCredential(live.model)) {
        // Another org's artifact closes exactly like one that does not exist.
        const missing = await outcomeOf(c.room === 'content' ? randomUUID() : `${randomUUID()}/${c.room}`, await roomAuth(live, via));
        expect(missing).toEqual(outcome);
      }
      return;
    }
    expect(outcome).toBe('synced');
    const marker = `probe-${randomUUID()}`;
    probe(client.doc, c.room, marker);
    const server = await serverState(client);
    if (write) {
      expect(hasProbe(server, c.room, marker)).toBe(true);
      await expect.poll(async () => hasProbe(await storedDoc(docName), c.room, marker), { timeout: DEADLINE_MS }).toBe(true);
    } else {
      expect(hasProbe(server, c.room, marker)).toBe(false);
      expect(await snapshot(watch)).toEqual(before);
    }
  } finally {
    client.destroy();
  }
}

function roomCases(): RoomCase[] {
  const cases: RoomCase[] = [];
  for (const room of ['content', 'review', 'notes'] as const) {
    for (const as of VALID) for (const target of MATRIX_TARGETS) cases.push({ as, room, target, expect: expectRoom(room, MODEL[as], target) });
    for (const as of BAD) cases.push({ as, room, target: 'orgWide', expect: CloseCode.UNAUTHORIZED });
    // People's other ways in: the cookie itself (our pages only), and collab tokens gone bad.
    cases.push(
      { as: 'member', room, target: 'orgWide', via: 'cookie', expect: expectRoom(room, MODEL.member, 'orgWide') },
      { as: 'viewer', room, target: 'membersOnly', via: 'cookie', expect: CloseCode.NOT_FOUND },
      { as: 'member', room, target: 'orgWide', via: 'cookie-no-origin', expect: CloseCode.UNAUTHORIZED },
      { as: 'member', room, target: 'orgWide', via: 'cookie-evil-origin', expect: CloseCode.UNAUTHORIZED },
      // An empty ?token= must not turn the Origin check off while the cookie signs the person in.
      { as: 'member', room, target: 'orgWide', via: 'cookie-evil-origin-empty-token', expect: CloseCode.UNAUTHORIZED },
      { as: 'member', room, target: 'orgWide', via: 'tampered-collab-token', expect: CloseCode.UNAUTHORIZED },
      { as: 'member', room, target: 'orgWide', via: 'expired-collab-token', expect: CloseCode.UNAUTHORIZED },
      { as: 'member', room, target: 'orgWide', via: 'revoked-session-collab-token', expect: CloseCode.UNAUTHORIZED },
    );
  }
  return cases;
}

// ---------------------------------------------------------------------------
// The world.
// ---------------------------------------------------------------------------

beforeAll(async () => {
  loupe = await startTestLoupe();
  W.org.A = await loupe.orgId();
  W.org.B = randomUUID();
  W.org.C = randomUUID();
  for (const key of Object.keys(USERS) as UserKey[]) {
    const spec = USERS[key];
    W.user[key] = await loupe.makeUser({ role: spec.role, orgId: W.org[spec.org], name: spec.name });
    W.session[key] = await loupe.sessionHeaders(W.user[key]);
  }

  const people: Array<[PName, UserKey]> = [['owner', 'owner'], ['admin', 'admin'], ['member', 'member'], ['viewer', 'viewer'], ['otherMember', 'otherMember'], ['soleOwner', 'soleOwner']];
  for (const [name, key] of people) {
    W.live.set(name, { model: MODEL[name], orgId: W.org[USERS[key].org], userId: W.user[key], tokenId: null, headers: W.session[key], secret: null });
  }
  const agents: Array<[PName, UserKey]> = [['memberAgent', 'member'], ['viewerAgent', 'viewer'], ['adminAgent', 'admin'], ['otherAgent', 'otherMember']];
  for (const [name, key] of agents) {
    const { id, token } = await mintToken(W.session[key], name);
    W.live.set(name, { model: MODEL[name], orgId: W.org[USERS[key].org], userId: W.user[key], tokenId: id, headers: bearer(token), secret: token });
  }

  // Tokens that no longer (or never did) work: a member's expired and revoked ones, and garbage.
  const expired = generateAgentToken();
  await loupe.store.createAgentToken({
    id: randomUUID(), orgId: W.org.A, userId: W.user.member, name: 'expired', tokenHash: hashAgentToken(expired), scopes: BOTH,
    createdAt: Date.now() - 86_400_000, expiresAt: Date.now() - 60_000, lastUsedAt: null, revokedAt: null,
  });
  const revoked = await mintToken(W.session.member, 'revoked');
  expect((await call('DELETE', `/api/v1/tokens/${revoked.id}`, { headers: W.session.member })).status).toBe(204);
  const malformed = 'loupe_this-is-not-a-token';
  const badLive = (name: PName, secret: string | null): Live => ({
    model: MODEL[name], orgId: null, userId: null, tokenId: null, headers: secret === null ? {} : bearer(secret), secret,
  });
  W.live.set('expired', badLive('expired', expired));
  W.live.set('revoked', badLive('revoked', revoked.token));
  W.live.set('malformed', badLive('malformed', malformed));
  W.live.set('anonymous', badLive('anonymous', null));

  W.fixtureToken.member = (await mintToken(W.session.member, 'member fixtures')).token;
  W.fixtureToken.author = (await mintToken(W.session.author, 'author fixtures')).token;
  W.fixtureToken.otherMember = (await mintToken(W.session.otherMember, 'other fixtures')).token;
  W.token.memberSpare = (await mintToken(W.session.member, 'member spare')).id;
  W.token.viewerSpare = (await mintToken(W.session.viewer, 'viewer spare')).id;
  W.token.otherSpare = (await mintToken(W.session.otherMember, 'other spare')).id;

  // The shared targets. The draft is the member's agent's own.
  W.artifact.draft = await makeArtifact('draft', 'matrix-shared', W.live.get('memberAgent')!.secret!);
  W.artifact.orgWide = await makeArtifact('orgWide', 'matrix-shared');
  W.artifact.ownPublished = await makeArtifact('ownPublished', 'matrix-shared');
  W.artifact.membersOnly = await makeArtifact('membersOnly', 'matrix-shared');
  W.artifact.foreign = await makeArtifact('foreign', 'matrix-shared');

  const invite = async (session: Record<string, string>) => {
    const res = await call('POST', '/api/v1/org/invitations', { headers: session, json: { role: 'member', email: `pending-${randomUUID()}@example.com` } });
    expect(res.status, res.text).toBe(201);
    return (res.json() as { id: string }).id;
  };
  W.invitation.pending = await invite(W.session.owner);
  W.invitation.other = await invite(W.session.otherOwner);
});

afterAll(async () => {
  await loupe?.stop();
});

// ---------------------------------------------------------------------------
// The cases.
// ---------------------------------------------------------------------------

describe('HTTP: artifact routes × principal × target', () => {
  for (const c of artifactCases()) it(caseName(c), () => runHttpCase(c));
});

describe('HTTP: me, org, members, invitations, tokens, audit, collab-token × principal', () => {
  for (const c of routeCases()) it(caseName(c), () => runHttpCase(c));
});

describe('HTTP: roles, owners, other-org records, tokens and invitations at the edges', () => {
  for (const c of EDGE_CASES) it(caseName(c), () => runHttpCase(c));
});

describe('HTTP: mass-assigned fields are ignored', () => {
  for (const c of MASS_ASSIGNMENT_CASES) it(caseName(c), () => runHttpCase(c));
});

describe('HTTP: cookie writes need the app’s Origin', () => {
  for (const c of CSRF_CASES) it(caseName(c), () => runHttpCase(c));
});

describe('HTTP: where only admins publish (publishRole: admin)', () => {
  beforeAll(async () => {
    const res = await call('PATCH', '/api/v1/org', { headers: W.session.owner, json: { publishRole: 'admin' } });
    expect(res.status, res.text).toBe(200);
    W.artifact.requestedDraft = await makeArtifact('requestedDraft', 'matrix-fresh');
  });
  afterAll(async () => {
    const res = await call('PATCH', '/api/v1/org', { headers: W.session.owner, json: { publishRole: 'member' } });
    expect(res.status, res.text).toBe(200);
  });

  const e = (route: ArtRoute, as: PName, target: TKey) => expectArtifact(route, MODEL[as], target, 'admin');
  const cases: HttpCase[] = [
    {
      as: 'member', method: 'POST', path: '/api/v1/artifacts/{id}/request-publication', target: 'draft', freshTarget: true,
      expect: e('request', 'member', 'draft'), audits: 'artifact.publish_request',
      check: async (_res, x) => {
        expect((await loupe.store.getArtifact(x.artifactId!))!.publishRequestedAt).not.toBeNull();
        // Admins now see the draft; other members still do not.
        expect((await call('GET', `/api/v1/artifacts/${x.artifactId}`, { headers: W.session.admin })).status).toBe(200);
        expect((await call('GET', `/api/v1/artifacts/${x.artifactId}`, { headers: W.session.viewer })).status).toBe(404);
      },
    },
    { as: 'member', method: 'POST', path: '/api/v1/artifacts/{id}/publish', target: 'draft', json: { visibility: 'org' }, expect: e('publish', 'member', 'draft') },
    { as: 'memberAgent', method: 'POST', path: '/api/v1/artifacts/{id}/request-publication', target: 'draft', expect: e('request', 'memberAgent', 'draft') },
    { as: 'owner', method: 'POST', path: '/api/v1/artifacts/{id}/request-publication', target: 'draft', expect: e('request', 'owner', 'draft') },
    { as: 'owner', method: 'POST', path: '/api/v1/artifacts/{id}/publish', target: 'draft', json: { visibility: 'org' }, expect: e('publish', 'owner', 'draft'), note: 'not requested: unseen' },
    { as: 'viewer', method: 'POST', path: '/api/v1/artifacts/{id}/request-publication', target: 'draft', expect: e('request', 'viewer', 'draft') },
    { as: 'member', method: 'POST', path: '/api/v1/artifacts/{id}/request-publication', target: 'requestedDraft', expect: e('request', 'member', 'requestedDraft'), note: 'already requested' },
    {
      as: 'admin', method: 'POST', path: '/api/v1/artifacts/{id}/publish', target: 'requestedDraft', freshTarget: true, json: { visibility: 'org' },
      expect: e('publish', 'admin', 'requestedDraft'), audits: 'artifact.publish',
      check: async (_res, x) => expect(await loupe.store.getArtifact(x.artifactId!)).toMatchObject({ status: 'published', publishedBy: W.user.admin }),
    },
    {
      as: 'owner', method: 'POST', path: '/api/v1/artifacts/{id}/publish', target: 'requestedDraft', freshTarget: true, json: { visibility: 'org' },
      expect: e('publish', 'owner', 'requestedDraft'), audits: 'artifact.publish',
    },
    { as: 'adminAgent', method: 'POST', path: '/api/v1/artifacts/{id}/publish', target: 'requestedDraft', json: { visibility: 'org' }, expect: e('publish', 'adminAgent', 'requestedDraft') },
    { as: 'member', method: 'POST', path: '/api/v1/artifacts/{id}/publish', target: 'requestedDraft', json: { visibility: 'org' }, expect: e('publish', 'member', 'requestedDraft') },
    { as: 'otherMember', method: 'POST', path: '/api/v1/artifacts/{id}/publish', target: 'requestedDraft', json: { visibility: 'org' }, expect: 404, subject: 'id' },
    {
      as: 'admin', method: 'GET', path: '/api/v1/artifacts/{id}', target: 'requestedDraft', expect: e('get', 'admin', 'requestedDraft'),
      check: (res) => expect(res.json().can).toMatchObject({ publish: true, requestPublication: false, changeAccess: false }),
    },
    { as: 'viewer', method: 'GET', path: '/api/v1/artifacts/{id}', target: 'requestedDraft', expect: e('get', 'viewer', 'requestedDraft') },
    {
      as: 'admin', method: 'PUT', path: '/api/v1/artifacts/{id}/content', target: 'requestedDraft', freshTarget: true, text: PUT_TEXT,
      expect: e('put', 'admin', 'requestedDraft'),
    },
    { as: 'member', method: 'PUT', path: '/api/v1/artifacts/{id}/access', target: 'requestedDraft', json: { visibility: 'org', members: [] }, expect: e('access', 'member', 'requestedDraft') },
    {
      as: 'member', method: 'POST', path: '/api/v1/artifacts', json: { title: 'Needs approval' }, expect: 201, audits: 'artifact.create', note: 'a person who may not publish starts a draft',
      check: async (res) => expect((await loupe.store.getArtifact(res.json().id))!.status).toBe('draft'),
    },
    {
      as: 'admin', method: 'POST', path: '/api/v1/artifacts', json: { title: 'Approved already' }, expect: 201, audits: 'artifact.create',
      check: async (res) => expect((await loupe.store.getArtifact(res.json().id))!.status).toBe('published'),
    },
  ];
  for (const c of cases) it(caseName(c), () => runHttpCase(c));
});

describe('HTTP: display names are text', () => {
  it('a name `<img src=x onerror=alert(1)>` set via PATCH /me comes back from GET /org/members byte-for-byte', async () => {
    const name = '<img src=x onerror=alert(1)>';
    const userId = await loupe.makeUser({ role: 'member', name: 'Plain name' });
    const session = await loupe.sessionHeaders(userId);
    const patched = await call('PATCH', '/api/v1/me', { headers: session, json: { name } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json().user.name).toBe(name);
    expect((await loupe.store.getUser(userId))!.name).toBe(name);

    const listed = await call('GET', '/api/v1/org/members', { headers: W.session.admin });
    expect(listed.status).toBe(200);
    expect(listed.headers['content-type']).toBe('application/json; charset=utf-8');
    // The raw bytes carry the name as a plain JSON string: not escaped to entities, not stripped.
    expect(listed.text).toContain(`"name":${JSON.stringify(name)}`);
    expect(listed.text).not.toContain('&lt;');
    const item = (listed.json().items as Array<{ userId: string; name: string }>).find((i) => i.userId === userId)!;
    expect(Buffer.from(item.name, 'utf8').equals(Buffer.from(name, 'utf8'))).toBe(true);
  });
});

describe('rooms: connect and write × principal × target', () => {
  for (const c of roomCases()) it(roomCaseName(c), () => runRoomCase(c));
});

describe('rooms: access that ends closes the live socket', () => {
  it('review room: a member removed from the org is closed with 4403', async () => {
    const userId = await loupe.makeUser({ role: 'member', name: 'Soon removed' });
    const client = openRoom(`${W.artifact.orgWide}/review`, { token: await collabToken(await loupe.sessionHeaders(userId)) });
    try {
      expect(await firstOutcome(client)).toBe('synced');
      const closed = nextClose(client);
      expect((await call('DELETE', `/api/v1/org/members/${userId}`, { headers: W.session.admin })).status).toBe(204);
      expect(await closed).toBe(CloseCode.REVOKED);
    } finally {
      client.destroy();
    }
  });

  it('content room: a revoked agent token is closed with 4403', async () => {
    const { id, token } = await mintToken(W.session.member, 'soon revoked');
    const client = openRoom(W.artifact.ownPublished, { token });
    try {
      expect(await firstOutcome(client)).toBe('synced');
      const closed = nextClose(client);
      expect((await call('DELETE', `/api/v1/tokens/${id}`, { headers: W.session.member })).status).toBe(204);
      expect(await closed).toBe(CloseCode.REVOKED);
    } finally {
      client.destroy();
    }
  });
});

describe('HTTP: accepting an invitation × who holds the link', () => {
  /** An invitation to the other org (B), made by its owner: for one address, or (null) for whoever holds the link. */
  const inviteToB = async (email: string | null, role: Role = 'admin') => {
    const res = await call('POST', '/api/v1/org/invitations', { headers: W.session.otherOwner, json: email === null ? { role } : { role, email } });
    expect(res.status, res.text).toBe(201);
    const body = res.json() as { id: string; url: string };
    return { id: body.id, secret: body.url.split('/invite/')[1] };
  };
  const accept = (secret: string, headers: Record<string, string>, json?: unknown) =>
    call('POST', `/api/v1/invitations/${secret}/accept`, { headers, json });
  const watchOf = (invitationId: string, userId: string | null): Watch => ({ artifacts: [], ids: [invitationId, ...(userId ? [userId] : [])] });

  // Every signed-in person who is not the addressee, whatever their org or role (B's own member too): 403, nothing changes.
  for (const as of ['owner', 'admin', 'member', 'viewer', 'otherMember', 'soleOwner'] as const) {
    it(`${as} POST /invitations/{for another address}/accept → 403 (nothing changes)`, async () => {
      const invitation = await inviteToB(`addressee-${randomUUID()}@example.com`);
      const live = W.live.get(as)!;
      const before = await snapshot(watchOf(invitation.id, live.userId));
      const res = await accept(invitation.secret, live.headers);
      expect(res.status, res.text).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'forbidden', details: { reason: 'invitation_email_mismatch' } });
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(await snapshot(watchOf(invitation.id, live.userId))).toEqual(before);
    });
  }

  // A token is not a session: the accept wants a new account's details, and an agent never joins anyone anywhere.
  for (const as of ['memberAgent', 'adminAgent', 'otherAgent'] as const) {
    it(`${as} POST /invitations/{for another address}/accept → 400 (nothing changes)`, async () => {
      const invitation = await inviteToB(`addressee-${randomUUID()}@example.com`);
      const live = W.live.get(as)!;
      const before = await snapshot(watchOf(invitation.id, live.userId));
      const res = await accept(invitation.secret, live.headers, {});
      expect(res.status, res.text).toBe(400);
      expect(res.json().error.code).toBe('bad_request');
      expect(await snapshot(watchOf(invitation.id, live.userId))).toEqual(before);
    });
  }

  it('anonymous POST /invitations/{for another address}/accept with a new account for another email → 400 (nothing changes)', async () => {
    const invitation = await inviteToB(`addressee-${randomUUID()}@example.com`);
    const email = `someone-else-${randomUUID()}@example.com`;
    const before = await snapshot(watchOf(invitation.id, null));
    const res = await accept(invitation.secret, {}, { name: 'Someone else', email, password: 'a long enough password' });
    expect(res.status, res.text).toBe(400);
    expect(await loupe.store.getUserByEmail(email)).toBeNull();
    expect(await snapshot(watchOf(invitation.id, null))).toEqual(before);
  });

  it('the addressee, signed in (any case of the address) POST /invitations/{for them}/accept → 200, joins with the invited role', async () => {
    const address = `addressee-${randomUUID()}@example.com`;
    const invitation = await inviteToB(address.toUpperCase());
    const userId = randomUUID();
    await loupe.store.createUser({ id: userId, email: address, name: 'The addressee', passwordHash: null, createdAt: Date.now() });
    await loupe.store.putMembership({ orgId: W.org.C, userId, role: 'member', createdAt: Date.now() });
    const res = await accept(invitation.secret, await loupe.sessionHeaders(userId));
    expect(res.status, res.text).toBe(200);
    expect(await loupe.store.getMembership(W.org.B, userId)).toMatchObject({ role: 'admin' });
    expect((await loupe.store.getInvitation(invitation.id))!.acceptedBy).toBe(userId);
  });

  it('an owner of another org POST /invitations/{made for no address}/accept → 200 (the inviter left it open)', async () => {
    const invitation = await inviteToB(null, 'member');
    const fresh = await freshPrincipal('owner');
    const res = await accept(invitation.secret, fresh.headers);
    expect(res.status, res.text).toBe(200);
    expect(await loupe.store.getMembership(W.org.B, fresh.userId!)).toMatchObject({ role: 'member' });
  });
});

describe('HTTP: GET /artifacts/{id}/mentionables × principal (emails as GET /org/members shows them)', () => {
  type Caller = { name: string; model: PModel; headers: () => Promise<Record<string, string>> };
  const tokenOf = (key: UserKey, scopes: TokenScope[]) => async () => bearer((await mintToken(W.session[key], `mentionables ${scopes.join('+') || 'no scopes'}`, scopes)).token);
  const CALLERS: Caller[] = [
    ...(['owner', 'admin', 'member', 'viewer', 'otherMember'] as const).map((key) => ({ name: key, model: user(key), headers: async () => W.session[key] })),
    { name: 'memberAgent (no scopes)', model: agentOf('member'), headers: tokenOf('member', []) },
    { name: 'memberAgent (comments:write)', model: agentOf('member'), headers: tokenOf('member', ['comments:write']) },
    { name: 'adminAgent (both scopes)', model: agentOf('admin'), headers: tokenOf('admin', BOTH) },
    { name: 'viewerAgent (no scopes)', model: agentOf('viewer'), headers: tokenOf('viewer', []) },
  ];
  const seesEmails = (p: PModel) => isUser(p) && atLeast(p, 'member');

  for (const caller of CALLERS) {
    for (const target of ['orgWide', 'membersOnly', 'foreign'] as const) {
      const t = TMODEL[target];
      const status = sees(caller.model, t) ? 200 : 404;
      const what = status === 404 ? '' : seesEmails(caller.model) ? ', with emails' : ', names only';
      it(`${caller.name} GET /api/v1/artifacts/{${target}}/mentionables → ${status}${what}`, async () => {
        const res = await call('GET', `/api/v1/artifacts/${W.artifact[target]}/mentionables`, { headers: await caller.headers() });
        expect(res.status, res.text).toBe(status);
        if (status !== 200) {
          expect(res.json().error.code).toBe('not_found');
          return;
        }
        const items = res.json().items as Array<{ kind: string; id: string; name: string; email: string | null }>;
        expect(items[0]).toEqual({ kind: 'agent', id: 'agent', name: 'Agent', email: null });
        const people = items.filter((item) => item.kind === 'user');
        // Exactly the people who can see the page (of the matrix's own; fresh ones come and go).
        const known = new Map(Object.entries(W.user).map(([key, id]) => [id, key as UserKey]));
        const expected = (Object.keys(USERS) as UserKey[]).filter((key) => sees(user(key), t)).map((key) => W.user[key]).sort();
        expect(people.map((p) => p.id).filter((id) => known.has(id)).sort()).toEqual(expected);
        for (const person of people) {
          if (seesEmails(caller.model)) expect(person.email, person.name).toBe((await loupe.store.getUser(person.id))!.email);
          else expect(person.email, person.name).toBeNull();
        }
      });
    }
  }
  it('adminAgent (comments:write) POST /api/v1/artifacts/{membersOnly*}/threads mentioning a member who cannot see it, or nobody → 201, both plain text', async () => {
    const id = await makeArtifact('membersOnly', 'matrix-fresh');
    const headers = await tokenOf('admin', ['comments:write'])();
    const post = async (mentionId: string, handle: string) => {
      const body = { v: 1, blocks: [{ t: 'p', children: [{ t: 'text', text: 'cc ' }, { t: 'mention', kind: 'user', id: mentionId, name: 'Probe' }] }] };
      const byBody = await call('POST', `/api/v1/artifacts/${id}/threads`, { headers, json: { body } });
      const byText = await call('POST', `/api/v1/artifacts/${id}/threads`, { headers, json: { text: `cc @${handle}` } });
      expect([byBody.status, byText.status], byBody.text + byText.text).toEqual([201, 201]);
      const first = (res: Res) => {
        const { body: stored, text, mentions } = res.json().comments[0] as { body: unknown; text: string; mentions: string[] };
        return { body: stored, text, mentions };
      };
      return { body: first(byBody), text: first(byText) };
    };
    const bystander = (await loupe.store.getUser(W.user.bystander))!;
    const member = await post(W.user.bystander, bystander.email);
    const nobody = await post(randomUUID(), `nobody-${randomUUID().slice(0, 8)}@example.com`);
    expect(member.body).toEqual({ body: { v: 1, blocks: [{ t: 'p', children: [{ t: 'text', text: 'cc @Probe' }] }] }, text: 'cc @Probe', mentions: [] });
    expect(nobody.body).toEqual(member.body);
    expect(member.text.mentions).toEqual([]);
    expect(nobody.text.mentions).toEqual([]);
    expect(member.text.text).toBe(`cc @${bystander.email}`);
  });

  for (const as of BAD) {
    it(`${as} GET /api/v1/artifacts/{orgWide}/mentionables → 401`, async () => {
      const res = await send(W.live.get(as)!, 'GET', `/api/v1/artifacts/${W.artifact.orgWide}/mentionables`, { expect401: true });
      expect(res.status).toBe(401);
    });
  }
});

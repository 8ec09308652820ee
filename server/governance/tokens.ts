import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { canAdministerOrg, canCreateToken, canRevokeToken } from '../../lib/auth/policy';
import { generateAgentToken, hashAgentToken } from '../../lib/auth/tokens';
import { TOKEN_SCOPES, type AgentTokenRecord, type TokenScope } from '../../lib/store/types';
import type { RequestMeta } from '../audit/audit';
import type { Services } from '../services';
import { requiredLabel } from '../validation';

const DAY_MS = 24 * 3600 * 1000;

const CreateInput = z.object({
  name: requiredLabel(80),
  scopes: z.array(z.enum(TOKEN_SCOPES as [TokenScope, ...TokenScope[]])).max(TOKEN_SCOPES.length),
  expiresInDays: z.number().int().min(1).max(365).nullable(),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function tokenView(token: AgentTokenRecord, userName: string) {
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    createdAt: iso(token.createdAt),
    expiresAt: iso(token.expiresAt),
    lastUsedAt: iso(token.lastUsedAt),
    revokedAt: iso(token.revokedAt),
    user: { id: token.userId, name: userName },
  };
}

export async function listTokens(services: Services, principal: Principal, all: boolean) {
  if (principal.kind !== 'user') throw new AppError('forbidden', 'Tokens are managed from a signed-in session.');
  if (all && !canAdministerOrg(principal)) throw new AppError('forbidden', 'Only admins can see every token in the organization.');
  const tokens = await services.store.listAgentTokens({ orgId: principal.orgId, userId: all ? undefined : principal.userId });
  const names = new Map<string, string>();
  for (const id of new Set(tokens.map((t) => t.userId))) names.set(id, (await services.store.getUser(id))?.name ?? 'Former member');
  return { items: tokens.map((t) => tokenView(t, names.get(t.userId)!)) };
}

/** Minted for the signed-in person in the current org; the secret is returned once and stored hashed. */
export async function createToken(services: Services, principal: Principal, raw: unknown, meta: RequestMeta) {
  if (!canCreateToken(principal)) throw new AppError('forbidden', 'Tokens are created from a signed-in session, not by another token.');
  const input = CreateInput.parse(raw);
  const secret = generateAgentToken();
  const now = services.now();
  const record: AgentTokenRecord = {
    id: randomUUID(),
    orgId: principal.orgId,
    userId: principal.userId,
    name: input.name,
    tokenHash: hashAgentToken(secret),
    scopes: Array.from(new Set(input.scopes)),
    createdAt: now,
    expiresAt: input.expiresInDays === null ? null : now + input.expiresInDays * DAY_MS,
    lastUsedAt: null,
    revokedAt: null,
  };
  await services.store.transaction(async (tx) => {
    await tx.createAgentToken(record);
    await services.audit.by(
      principal,
      'token.create',
      { target: { type: 'token', id: record.id, label: record.name }, details: { scopes: record.scopes, expiresAt: iso(record.expiresAt) }, meta },
      tx,
    );
  });
  return { ...tokenView(record, principal.name), token: secret };
}

export async function revokeToken(services: Services, principal: Principal, id: string, meta: RequestMeta) {
  if (principal.kind !== 'user') throw new AppError('forbidden', 'Tokens are managed from a signed-in session, not by a token.');
  const token = await services.store.getAgentToken(id);
  // Another org's token, or someone else's for a non-admin, reads as missing.
  if (!token || !canRevokeToken(principal, token)) {
    if (token && token.orgId === principal.orgId && principal.kind === 'user') throw new AppError('forbidden', 'Only admins can revoke other people’s tokens.');
    throw new AppError('not_found', 'No token with that id.');
  }
  await services.store.transaction(async (tx) => {
    if (!(await tx.revokeAgentToken(id, services.now()))) return;
    await services.audit.by(principal, 'token.revoke', { target: { type: 'token', id, label: token.name }, details: { owner: token.userId }, meta }, tx);
  });
  // Whether this call or an earlier one revoked it, its sockets (on every instance) close now.
  services.cutOff({ tokenId: id }, 'revoked');
}

import { randomBytes, randomUUID } from 'node:crypto';
import type { Store, StoreTransaction } from '../../lib/store/types';
import { generateAgentToken, hashAgentToken } from '../../lib/auth/tokens';
import { hashPassword } from '../../lib/auth/passwords';

export interface FirstStart {
  adminEmail: string;
  /** Present only when this start created the admin (never read back from storage). */
  adminPassword: string | null;
  /** Present only when this start created the token: shown once, stored hashed. */
  agentToken: string | null;
  orgId: string;
}

export interface BootstrapInput {
  adminEmail?: string;
  adminPassword?: string;
  agentToken?: string;
  now: number;
}

/**
 * On the first start (no users yet): one organization, its owner, and an
 * agent token. Later starts create nothing, except registering a configured
 * LOUPE_AGENT_TOKEN that storage does not know yet. One unit under the
 * 'bootstrap' lock: instances starting together on an empty shared database
 * make one organization and one admin, and the loser of the race sees the winner's.
 */
export async function bootstrapFirstStart(store: Store, input: BootstrapInput): Promise<FirstStart | null> {
  return store.transaction(async (tx) => {
    await tx.lock('bootstrap');
    return bootstrapIn(tx, input);
  });
}

type StoreView = Omit<StoreTransaction, 'lock'>;

async function bootstrapIn(store: StoreView, input: BootstrapInput): Promise<FirstStart | null> {
  if ((await store.countUsers()) > 0) {
    if (input.agentToken && !(await store.getAgentTokenByHash(hashAgentToken(input.agentToken)))) {
      const email = input.adminEmail ?? (await firstOwnerEmail(store));
      const user = email ? await store.getUserByEmail(email) : null;
      const membership = user ? (await store.listMembershipsOfUser(user.id))[0] : undefined;
      if (user && membership) await insertToken(store, membership.orgId, user.id, input.agentToken, input.now);
    }
    return null;
  }
  const orgId = randomUUID();
  const userId = randomUUID();
  const adminEmail = (input.adminEmail ?? 'admin@loupe.local').toLowerCase();
  const adminPassword = input.adminPassword ?? randomBytes(12).toString('base64url');
  await store.createOrg({ id: orgId, name: 'My organization', createdAt: input.now });
  await store.createUser({ id: userId, email: adminEmail, name: 'Admin', passwordHash: await hashPassword(adminPassword), createdAt: input.now });
  await store.putMembership({ orgId, userId, role: 'owner', createdAt: input.now });
  const agentToken = input.agentToken ?? generateAgentToken();
  await insertToken(store, orgId, userId, agentToken, input.now);
  return {
    adminEmail,
    adminPassword: input.adminPassword ? null : adminPassword,
    agentToken: input.agentToken ? null : agentToken,
    orgId,
  };
}

async function insertToken(store: StoreView, orgId: string, userId: string, token: string, now: number): Promise<void> {
  await store.createAgentToken({
    id: randomUUID(),
    orgId,
    userId,
    name: 'Default agent',
    tokenHash: hashAgentToken(token),
    scopes: ['artifacts:write', 'comments:write'],
    createdAt: now,
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
  });
}

async function firstOwnerEmail(store: StoreView): Promise<string | null> {
  const user = await store.getUserByEmail('admin@loupe.local');
  return user?.email ?? null;
}

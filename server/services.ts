import type { Store } from '../lib/store/types';
import type { Identifier } from './auth/identify';
import type { RoomRegistry } from './collab/registry';
import type { Auditor } from './audit/audit';
import type { Limits } from './limits/rate-limiter';
import type { Logger } from './log';
import type { PubSub } from './pubsub/types';
import type { AgentPresence } from './review/agent-presence';
import type { VersionScheduler } from './versions/scheduler';
import type { ResponseBudget } from './limits/response-budget';
import type { AccessScope } from './auth/control-channel';

/** Which live connections to close when access is taken away. */
export interface CutOff {
  orgId?: string;
  userId?: string;
  tokenId?: string;
  /** Only people's sockets (sign-out everywhere leaves agent tokens alone). */
  kind?: 'user' | 'agent';
  /** Leaves this session's sockets open (a password change keeps the session that made it). */
  exceptSessionId?: string;
}

/** What use cases and transports share; built once in loupe-server.ts. */
export interface Services {
  store: Store;
  registry: RoomRegistry;
  /** Fan-out between processes: rooms, and the inbox signals of server/review/inbox.ts. */
  pubsub: PubSub;
  identifier: Identifier;
  audit: Auditor;
  limits: Limits;
  /** Response bytes in flight per person, and the stalled-write timeout (server/limits/response-budget.ts). */
  responses: ResponseBudget;
  /** Shows agents as present in review rooms while they write. */
  agentPresence: AgentPresence;
  /** Cuts automatic versions when writes to a page go quiet. */
  versionScheduler: VersionScheduler;
  logger: Logger;
  /** The key that signs new sessions and collab tokens (the key ring's current one). */
  authSecret: string;
  /** Every key that still verifies, the current one first (rotation keeps the old ones here). */
  authSecrets: readonly string[];
  trustProxy: boolean;
  appOrigin(): string;
  sandboxOrigin(): string;
  now(): number;
  /** This process's id on the bus (its own messages come back with it and are skipped). */
  nodeId: string;
  /** Closes matching live sockets now, in this process and (over the bus's `control` channel) every other. */
  cutOff(match: CutOff, why: 'revoked' | 'changed'): void;
  /**
   * Access may have changed for what the scope names (a role, an artifact's visibility or members, a
   * publication, a purge): the live sockets it concerns, in every process, re-check now.
   */
  accessChanged(scope: AccessScope): void;
  /** An organization's settings changed: open review rooms of it, in every process, re-project their summary. */
  orgSettingsChanged(orgId: string): Promise<void>;
}

/**
 * Whether other processes may share this one's storage or bus: only then
 * do single-owner jobs take leases and locks across processes (the embedded
 * default pays nothing for them).
 */
export function isSharedDeployment(services: Pick<Services, 'store' | 'pubsub'>): boolean {
  return services.store.kind !== 'sqlite' || services.pubsub.fansOut;
}

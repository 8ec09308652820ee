import type { IncomingMessage } from 'node:http';
import type { Principal } from '../../lib/auth/principal';
import type { AuditActorKind, AuditRecord, Store } from '../../lib/store/types';
import type { Logger } from '../log';

/** Where a request came from, as recorded in the audit log. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export const NO_META: RequestMeta = { ip: null, userAgent: null };

/** The remote address (X-Forwarded-For's first hop only when Loupe runs behind a proxy it trusts). */
export function requestMeta(req: IncomingMessage, trustProxy: boolean): RequestMeta {
  const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0].trim() : '';
  const ip = forwarded || req.socket.remoteAddress || null;
  const userAgent = typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null;
  return { ip: ip?.replace(/^::ffff:/, '') ?? null, userAgent };
}

export interface AuditActor {
  kind: AuditActorKind;
  id: string | null;
  name: string;
}

export const SYSTEM_ACTOR: AuditActor = { kind: 'system', id: null, name: 'Loupe' };

/** Agents are recorded by token (so "which token did this" is answerable) and named after it. */
export function actorOf(principal: Principal): AuditActor {
  return principal.kind === 'agent'
    ? { kind: 'agent', id: principal.tokenId, name: principal.name }
    : { kind: 'user', id: principal.userId, name: principal.name };
}

export interface AuditEvent {
  orgId: string;
  actor: AuditActor;
  action: AuditAction;
  artifactId?: string | null;
  target?: { type: string; id: string; label?: string | null } | null;
  details?: Record<string, unknown>;
  meta?: RequestMeta;
}

export const AUDIT_ACTIONS = [
  'auth.sign_in',
  'auth.sign_in_failed',
  'auth.sign_out',
  'auth.sign_out_everywhere',
  'auth.password_change',
  'artifact.view',
  'artifact.create',
  'artifact.publish',
  'artifact.publish_request',
  'artifact.access_change',
  'artifact.legal_hold',
  'artifact.export',
  'artifact.purge',
  'artifact.repair',
  'version.restore',
  'comment.create',
  'comment.edit',
  'comment.delete',
  'thread.resolve',
  'thread.reopen',
  'thread.addressed',
  'review.status_change',
  'token.create',
  'token.revoke',
  'member.invite',
  'member.invite_revoke',
  'member.join',
  'member.role_change',
  'member.remove',
  'org.create',
  'org.settings_change',
  'audit.export',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Where an entry is appended: the store, or a unit of work that also holds the change the entry records. */
export type AuditTarget = Pick<Store, 'appendAudit'>;

/**
 * Appends to the organization's hash-chained log. The entry is durable
 * before the action's answer is sent: callers await it. Given `tx` (a
 * `store.transaction` unit), the entry commits with the change it records,
 * or neither does: a crash between them can no longer leave an action with
 * no record.
 */
export class Auditor {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  record(event: AuditEvent, tx?: AuditTarget): Promise<AuditRecord> {
    const meta = event.meta ?? NO_META;
    return (tx ?? this.store).appendAudit({
      orgId: event.orgId,
      at: this.now(),
      action: event.action,
      actorKind: event.actor.kind,
      actorId: event.actor.id,
      actorName: event.actor.name,
      artifactId: event.artifactId ?? null,
      targetType: event.target?.type ?? null,
      targetId: event.target?.id ?? null,
      targetLabel: event.target?.label ?? null,
      details: event.details ?? {},
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
  }

  /** Something a principal did, in their current organization. */
  by(principal: Principal, action: AuditAction, event: Omit<AuditEvent, 'orgId' | 'actor' | 'action'>, tx?: AuditTarget): Promise<AuditRecord> {
    return this.record({ ...event, orgId: principal.orgId, actor: actorOf(principal), action }, tx);
  }

  /** Something a principal did to an artifact, recorded against it. */
  artifactEvent(
    principal: Principal,
    action: AuditAction,
    artifact: { id: string; title: string },
    meta: RequestMeta,
    details: Record<string, unknown> = {},
    tx?: AuditTarget,
  ): Promise<AuditRecord> {
    return this.by(
      principal,
      action,
      {
        artifactId: artifact.id,
        target: { type: 'artifact', id: artifact.id, label: artifact.title },
        details,
        meta,
      },
      tx,
    );
  }

  /** For events off the request path (views, sign-ins): a failure is logged, never thrown at the user. */
  recordQuietly(event: AuditEvent): void {
    this.record(event).catch((error: unknown) => this.logger.error('audit append failed', { action: event.action, error }));
  }
}

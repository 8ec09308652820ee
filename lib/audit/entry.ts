export type AuditActorKind = 'user' | 'agent' | 'system' | 'anonymous';

/** An audit entry as the caller describes it; the store assigns seq, prevHash and hash. */
export interface NewAuditEntry {
  orgId: string;
  at: number;
  action: string;
  actorKind: AuditActorKind;
  actorId: string | null;
  actorName: string;
  artifactId: string | null;
  targetType: string | null;
  targetId: string | null;
  targetLabel: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditRecord extends NewAuditEntry {
  /** 1, 2, 3… per organization, with no gaps. */
  seq: number;
  prevHash: string;
  hash: string;
}

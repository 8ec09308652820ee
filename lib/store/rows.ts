/**
 * Rows to records, shared by both backends: they keep the same tables and
 * column names (snake_case, times as integers, the access list as one
 * space-separated column), so one mapping serves both.
 */
import type {
  AgentTokenRecord,
  ArtifactRecord,
  AuditActorKind,
  AuditRecord,
  InvitationRecord,
  MembershipRecord,
  OrgRecord,
  Role,
  TokenScope,
  UserRecord,
  VersionRecord,
} from './types';

export type Row = Record<string, unknown>;

export function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function toVersion(row: Row): VersionRecord {
  return {
    artifactId: String(row.artifact_id),
    n: Number(row.n),
    kind: String(row.kind) as VersionRecord['kind'],
    message: String(row.message),
    authorKind: row.author_kind === 'agent' ? 'agent' : 'user',
    authorId: String(row.author_id),
    authorName: String(row.author_name),
    createdAt: Number(row.created_at),
    session: nullableString(row.session),
    commitSha: nullableString(row.commit_sha),
    prUrl: nullableString(row.pr_url),
    sizeBytes: Number(row.size_bytes),
    changeBytes: Number(row.change_bytes),
    restoredFrom: nullableNumber(row.restored_from),
    contentHash: String(row.content_hash),
  };
}

export function toOrg(row: Row): OrgRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    createdAt: Number(row.created_at),
    settings: {
      defaultVisibility: row.default_visibility === 'members' ? 'members' : 'org',
      publishRole: row.publish_role === 'admin' ? 'admin' : 'member',
      retentionDays: nullableNumber(row.retention_days),
      requiredApprovals: Number(row.required_approvals ?? 1),
    },
  };
}

export function toToken(row: Row): AgentTokenRecord {
  return {
    id: String(row.id),
    orgId: String(row.org_id),
    userId: String(row.user_id),
    name: String(row.name),
    tokenHash: String(row.token_hash),
    scopes: String(row.scopes).split(' ').filter(Boolean) as TokenScope[],
    createdAt: Number(row.created_at),
    expiresAt: nullableNumber(row.expires_at),
    lastUsedAt: nullableNumber(row.last_used_at),
    revokedAt: nullableNumber(row.revoked_at),
  };
}

export function toInvitation(row: Row): InvitationRecord {
  return {
    id: String(row.id),
    orgId: String(row.org_id),
    secretHash: String(row.secret_hash),
    email: nullableString(row.email),
    role: String(row.role) as Role,
    createdBy: String(row.created_by),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    acceptedAt: nullableNumber(row.accepted_at),
    acceptedBy: nullableString(row.accepted_by),
    revokedAt: nullableNumber(row.revoked_at),
  };
}

export function toAudit(row: Row): AuditRecord {
  return {
    orgId: String(row.org_id),
    seq: Number(row.seq),
    at: Number(row.at),
    action: String(row.action),
    actorKind: String(row.actor_kind) as AuditActorKind,
    actorId: nullableString(row.actor_id),
    actorName: String(row.actor_name),
    artifactId: nullableString(row.artifact_id),
    targetType: nullableString(row.target_type),
    targetId: nullableString(row.target_id),
    targetLabel: nullableString(row.target_label),
    details: parseDetails(row.details),
    ip: nullableString(row.ip),
    userAgent: nullableString(row.user_agent),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

export function parseDetails(value: unknown): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(String(value));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch (error) {
    // A details column that no longer parses was altered by hand; keep the raw text so verification reports it.
    if (error instanceof SyntaxError) return { unparsable: String(value) };
    throw error;
  }
}

export function toArtifact(row: Row): ArtifactRecord {
  return {
    id: String(row.id),
    orgId: String(row.org_id),
    createdBy: String(row.created_by),
    title: String(row.title),
    project: String(row.project),
    session: String(row.session),
    kind: String(row.kind),
    status: row.status === 'draft' ? 'draft' : 'published',
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    sizeBytes: Number(row.size_bytes),
    visibility: row.visibility === 'members' ? 'members' : 'org',
    members: row.member_ids ? String(row.member_ids).split(' ').filter(Boolean).sort() : [],
    legalHold: Number(row.legal_hold) === 1,
    publishRequestedAt: nullableNumber(row.publish_requested_at),
    publishedAt: nullableNumber(row.published_at),
    publishedBy: nullableString(row.published_by),
  };
}

export function toUser(row: Row): UserRecord {
  return {
    id: String(row.id),
    email: String(row.email),
    name: String(row.name),
    passwordHash: row.password_hash === null ? null : String(row.password_hash),
    createdAt: Number(row.created_at),
  };
}

export function toMembership(row: Row): MembershipRecord {
  return {
    orgId: String(row.org_id),
    userId: String(row.user_id),
    role: String(row.role) as Role,
    createdAt: Number(row.created_at),
  };
}

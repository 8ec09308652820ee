import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { canReadAudit } from '../../lib/auth/policy';
import { ChainVerifier, type ChainVerdict } from '../../lib/audit/chain';
import type { AuditQuery, AuditRecord, Store } from '../../lib/store/types';
import type { RequestMeta } from './audit';
import type { Services } from '../services';

const isoTime = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 time' });
      return z.NEVER;
    }
    return ms;
  });

const Filters = z.object({
  actor: z.string().max(100).optional(),
  action: z.string().max(64).optional(),
  artifact: z.string().max(100).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
});

const ListQuery = Filters.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.coerce.number().int().min(1).optional(),
});

/** The wire shape of an entry: every field the chain covers, so an export can be verified anywhere. */
export function auditEntryView(entry: AuditRecord) {
  return {
    seq: entry.seq,
    at: new Date(entry.at).toISOString(),
    atMs: entry.at,
    orgId: entry.orgId,
    action: entry.action,
    actor: { kind: entry.actorKind, id: entry.actorId, name: entry.actorName },
    artifactId: entry.artifactId,
    target: entry.targetType ? { type: entry.targetType, id: entry.targetId, label: entry.targetLabel } : null,
    details: entry.details,
    ip: entry.ip,
    userAgent: entry.userAgent,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

export type AuditEntryView = ReturnType<typeof auditEntryView>;

/** Back from the wire shape (export files) to the record the chain is computed over. */
export function auditRecordFromView(view: AuditEntryView): AuditRecord {
  return {
    orgId: view.orgId,
    seq: view.seq,
    at: view.atMs,
    action: view.action,
    actorKind: view.actor.kind,
    actorId: view.actor.id,
    actorName: view.actor.name,
    artifactId: view.artifactId,
    targetType: view.target?.type ?? null,
    targetId: view.target?.id ?? null,
    targetLabel: view.target?.label ?? null,
    details: view.details,
    ip: view.ip,
    userAgent: view.userAgent,
    prevHash: view.prevHash,
    hash: view.hash,
  };
}

function requireAuditReader(principal: Principal): void {
  if (!canReadAudit(principal)) throw new AppError('forbidden', 'Only admins can read the audit log.');
}

function toQuery(orgId: string, filters: z.infer<typeof Filters>): Omit<AuditQuery, 'limit'> {
  return { orgId, actorId: filters.actor, action: filters.action, artifactId: filters.artifact, from: filters.from, to: filters.to };
}

export async function listAudit(services: Services, principal: Principal, params: URLSearchParams) {
  requireAuditReader(principal);
  const input = ListQuery.parse(Object.fromEntries(params));
  const rows = await services.store.listAudit({ ...toQuery(principal.orgId, input), limit: input.limit + 1, beforeSeq: input.cursor });
  const items = rows.slice(0, input.limit);
  const last = items[items.length - 1];
  return { items: items.map(auditEntryView), nextCursor: rows.length > input.limit && last ? String(last.seq) : null };
}

const EXPORT_PAGE = 1000;
const CSV_COLUMNS = ['seq', 'at', 'action', 'actor_kind', 'actor_id', 'actor_name', 'artifact_id', 'target_type', 'target_id', 'target_label', 'details', 'ip', 'user_agent', 'prev_hash', 'hash'];

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // Quote everything; neutralise spreadsheet formulas (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

function csvRow(entry: AuditRecord): string {
  return [
    entry.seq, new Date(entry.at).toISOString(), entry.action, entry.actorKind, entry.actorId, entry.actorName, entry.artifactId,
    entry.targetType, entry.targetId, entry.targetLabel, JSON.stringify(entry.details), entry.ip, entry.userAgent, entry.prevHash, entry.hash,
  ].map(csvCell).join(',');
}

/** Oldest first, streamed page by page; filters narrow the rows (a filtered export is not a whole chain). */
export async function* exportAudit(services: Services, principal: Principal, params: URLSearchParams, meta: RequestMeta) {
  requireAuditReader(principal);
  const format = z.enum(['csv', 'json']).default('json').parse(params.get('format') ?? undefined);
  const filters = Filters.parse(Object.fromEntries(Array.from(params).filter(([key]) => key !== 'format')));
  const query = toQuery(principal.orgId, filters);
  const filtered = Object.values(filters).some((value) => value !== undefined);
  await services.audit.by(principal, 'audit.export', {
    details: { format, filters: Object.fromEntries(params) },
    meta,
  });
  yield format === 'csv' ? CSV_COLUMNS.join(',') + '\r\n' : `{"orgId":${JSON.stringify(principal.orgId)},"complete":${!filtered},"entries":[`;
  let first = true;
  for await (const entry of walkChain(services.store, principal.orgId)) {
    if (!matches(entry, query)) continue;
    if (format === 'csv') yield csvRow(entry) + '\r\n';
    else {
      yield (first ? '\n' : ',\n') + JSON.stringify(auditEntryView(entry));
      first = false;
    }
  }
  if (format === 'json') yield '\n]}\n';
}

function matches(entry: AuditRecord, query: Omit<AuditQuery, 'limit'>): boolean {
  if (query.actorId && entry.actorId !== query.actorId) return false;
  if (query.action && entry.action !== query.action) return false;
  if (query.artifactId && entry.artifactId !== query.artifactId) return false;
  if (query.from !== undefined && entry.at < query.from) return false;
  if (query.to !== undefined && entry.at >= query.to) return false;
  return true;
}

export async function* walkChain(store: Store, orgId: string): AsyncGenerator<AuditRecord> {
  let after = 0;
  for (;;) {
    const page = await store.readAuditChain(orgId, after, EXPORT_PAGE);
    for (const entry of page) yield entry;
    if (page.length < EXPORT_PAGE) return;
    after = page[page.length - 1].seq;
  }
}

/** Recomputes every hash of an org's chain from storage. */
export async function verifyAuditChain(store: Store, orgId: string): Promise<ChainVerdict> {
  const verifier = new ChainVerifier();
  for await (const entry of walkChain(store, orgId)) if (!verifier.push(entry)) break;
  return verifier.verdict();
}

export async function verifyAudit(services: Services, principal: Principal) {
  requireAuditReader(principal);
  return verifyAuditChain(services.store, principal.orgId);
}

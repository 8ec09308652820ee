import type { AuditEntry } from '../../../lib/query/audit';
import { formatBytes } from '../../../lib/ui/format';

/**
 * How the audit log reads to a person: each action code in a few words,
 * grouped by area for the filter, and each entry's details in one line.
 * Codes this page does not know yet show as sent.
 */

export interface ActionGroup {
  area: string;
  actions: ReadonlyArray<readonly [code: string, words: string]>;
}

export const ACTION_GROUPS: readonly ActionGroup[] = [
  {
    area: 'Artifacts',
    actions: [
      ['artifact.create', 'created'],
      ['artifact.view', 'viewed'],
      ['artifact.publish', 'published'],
      ['artifact.publish_request', 'requested publication'],
      ['artifact.access_change', 'changed access'],
      ['artifact.legal_hold', 'changed legal hold'],
      ['artifact.export', 'exported'],
      ['artifact.purge', 'purged'],
      ['artifact.repair', 'removed stray content from'],
      ['version.restore', 'restored a version'],
    ],
  },
  {
    area: 'Reviews',
    actions: [
      ['review.status_change', 'reviewed'],
      ['comment.create', 'commented'],
      ['comment.edit', 'edited a comment'],
      ['comment.delete', 'deleted a comment'],
      ['thread.resolve', 'resolved a thread'],
      ['thread.reopen', 'reopened a thread'],
      ['thread.addressed', 'marked a thread addressed'],
    ],
  },
  {
    area: 'Members',
    actions: [
      ['member.invite', 'invited'],
      ['member.invite_revoke', 'revoked an invitation'],
      ['member.join', 'joined'],
      ['member.role_change', 'changed role'],
      ['member.remove', 'removed a member'],
    ],
  },
  {
    area: 'Agent tokens',
    actions: [
      ['token.create', 'created a token'],
      ['token.revoke', 'revoked a token'],
    ],
  },
  {
    area: 'Sign-in',
    actions: [
      ['auth.sign_in', 'signed in'],
      ['auth.sign_in_failed', 'failed to sign in'],
      ['auth.sign_out', 'signed out'],
      ['auth.sign_out_everywhere', 'signed out everywhere'],
      ['auth.password_change', 'changed their password'],
    ],
  },
  {
    area: 'Organization',
    actions: [
      ['org.settings_change', 'changed settings'],
      ['audit.export', 'exported the audit log'],
    ],
  },
];

const WORDS: ReadonlyMap<string, string> = new Map(ACTION_GROUPS.flatMap((group) => group.actions));

export function isKnownAction(code: string): boolean {
  return WORDS.has(code);
}

/** "published", "changed role"; refined by details where they say more (legal hold placed or lifted). */
export function actionWords(entry: Pick<AuditEntry, 'action' | 'details'>): string {
  if (entry.action === 'artifact.legal_hold' && typeof entry.details.hold === 'boolean') {
    return entry.details.hold ? 'placed a legal hold' : 'lifted a legal hold';
  }
  if (entry.action === 'member.remove' && entry.details.left === true) return 'left the organization';
  return WORDS.get(entry.action) ?? entry.action;
}

const VERDICT_WORDS: Readonly<Record<string, string>> = { approve: 'approved', request_changes: 'requested changes', comment: 'commented' };

/** "v3", when the details carry a version number. */
function versionWords(value: unknown): string | null {
  return typeof value === 'number' && Number.isInteger(value) ? `v${value}` : null;
}

function visibilityWords(value: unknown): string | null {
  if (!value || typeof value !== 'object') return null;
  const { visibility, members } = value as { visibility?: unknown; members?: unknown };
  if (visibility === 'org') return 'organization';
  if (visibility === 'members') {
    const count = Array.isArray(members) ? members.length : 0;
    return count === 0 ? 'creator and admins' : `${count} ${count === 1 ? 'member' : 'members'}`;
  }
  return null;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** "admin" → "Admin"; roles arrive as codes. */
function role(value: unknown): string {
  return typeof value === 'string' && value ? value.charAt(0).toUpperCase() + value.slice(1) : text(value);
}

/** Everything else: `key: value` pairs, short. */
function generic(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}: ${text(value)}`)
    .join(' · ');
}

/** One line for the table; the full details are in the row's title and in the exports. */
export function summarizeDetails(entry: Pick<AuditEntry, 'action' | 'details'>): string {
  const d = entry.details;
  const parts: string[] = [];
  switch (entry.action) {
    case 'artifact.create':
      if (d.status === 'draft') parts.push('as a draft');
      else if (d.status === 'published') parts.push('published');
      for (const key of ['project', 'session', 'kind'] as const) if (typeof d[key] === 'string' && d[key]) parts.push(`${key} ${d[key] as string}`);
      return parts.join(' · ');
    case 'artifact.publish': {
      const to = visibilityWords(d);
      return to ? `to ${to}` : generic(d);
    }
    case 'artifact.access_change': {
      const from = visibilityWords(d.from);
      const to = visibilityWords(d.to);
      return from && to ? `${from} → ${to}` : generic(d);
    }
    case 'artifact.legal_hold':
      return '';
    case 'artifact.export':
      return typeof d.bytes === 'number' ? `${formatBytes(d.bytes)} zip` : generic(d);
    case 'artifact.view':
      return typeof d.via === 'string' ? `via ${d.via}` : generic(d);
    case 'member.role_change':
      return d.from !== undefined && d.to !== undefined ? `${role(d.from)} → ${role(d.to)}` : generic(d);
    case 'member.invite':
      if (d.role) parts.push(`as ${role(d.role)}`);
      if (typeof d.email === 'string' && d.email) parts.push(d.email);
      return parts.join(' · ');
    case 'member.invite_revoke':
      return d.role ? `${role(d.role)} invitation` : generic(d);
    case 'member.join':
      if (d.role) parts.push(`as ${role(d.role)}`);
      if (d.newAccount === true) parts.push('new account');
      return parts.join(' · ');
    case 'member.remove':
      if (d.role) parts.push(`was ${role(d.role)}`);
      if (typeof d.revokedTokens === 'number' && d.revokedTokens > 0) parts.push(`${d.revokedTokens} ${d.revokedTokens === 1 ? 'token' : 'tokens'} revoked`);
      return parts.join(' · ');
    case 'token.create':
      if (Array.isArray(d.scopes)) parts.push(d.scopes.map(text).join(', ') || 'read only');
      parts.push(typeof d.expiresAt === 'string' ? `expires ${d.expiresAt.slice(0, 10)}` : 'never expires');
      return parts.join(' · ');
    case 'review.status_change': {
      const verdict = typeof d.verdict === 'string' ? (VERDICT_WORDS[d.verdict] ?? d.verdict) : null;
      const version = versionWords(d.version);
      return verdict || version ? [verdict, version].filter(Boolean).join(' · ') : generic(d);
    }
    case 'comment.create':
      // The first comment of a thread says where it is pinned; a reply does not.
      if (typeof d.pinned === 'boolean') return d.pinned ? 'new thread, pinned to the page' : 'new thread on the whole page';
      return 'reply';
    case 'comment.edit':
      return '';
    case 'comment.delete':
      return d.thread === true ? 'the thread went with it' : '';
    case 'thread.resolve':
    case 'thread.reopen':
      return '';
    case 'thread.addressed': {
      const version = versionWords(d.version);
      return version ? `in ${version}` : generic(d);
    }
    case 'audit.export':
      return typeof d.format === 'string' ? d.format.toUpperCase() : generic(d);
    default:
      return generic(d);
  }
}

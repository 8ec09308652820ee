import { createHash } from 'node:crypto';
import type { AuditRecord, NewAuditEntry } from './entry';

/** The first entry of every organization's chain points at this. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The bytes an entry's hash covers, in a fixed order so every backend and
 * every verifier (the server, `loupe audit verify`, a compliance script)
 * computes the same value. Details are serialised with sorted keys.
 */
export function canonicalEntry(entry: NewAuditEntry & { seq: number }): string {
  return JSON.stringify([
    entry.orgId,
    entry.seq,
    entry.at,
    entry.action,
    entry.actorKind,
    entry.actorId,
    entry.actorName,
    entry.artifactId,
    entry.targetType,
    entry.targetId,
    entry.targetLabel,
    sortedJson(entry.details),
    entry.ip,
    entry.userAgent,
  ]);
}

export function chainHash(prevHash: string, entry: NewAuditEntry & { seq: number }): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalEntry(entry)).digest('hex');
}

export type ChainVerdict =
  | { ok: true; entries: number; headHash: string }
  | { ok: false; entries: number; brokenAt: number; reason: string };

/**
 * Walks a chain oldest first. An altered entry fails its own hash; a deleted
 * or inserted one breaks the seq run or the link to the previous hash.
 */
export class ChainVerifier {
  private prevHash = GENESIS_HASH;
  private expectedSeq = 1;
  private count = 0;
  private failure: { brokenAt: number; reason: string } | null = null;

  /** Feeds the next entry; returns false once the chain is broken (later entries are ignored). */
  push(entry: AuditRecord): boolean {
    if (this.failure) return false;
    const fail = (reason: string) => {
      this.failure = { brokenAt: entry.seq, reason };
      return false;
    };
    if (entry.seq !== this.expectedSeq) return fail(`expected entry #${this.expectedSeq} but found #${entry.seq} (entries missing or inserted)`);
    if (entry.prevHash !== this.prevHash) return fail(`entry #${entry.seq} does not link to the hash of entry #${entry.seq - 1}`);
    if (chainHash(entry.prevHash, entry) !== entry.hash) return fail(`entry #${entry.seq} was altered: its contents do not match its hash`);
    this.prevHash = entry.hash;
    this.expectedSeq += 1;
    this.count += 1;
    return true;
  }

  verdict(): ChainVerdict {
    if (this.failure) return { ok: false, entries: this.count, ...this.failure };
    return { ok: true, entries: this.count, headHash: this.prevHash };
  }
}

function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

import { readFile } from 'node:fs/promises';
import { ChainVerifier, type ChainVerdict } from '../../lib/audit/chain';
import { auditRecordFromView, verifyAuditChain, type AuditEntryView } from '../audit/queries';

/**
 * `loupe audit verify` (a server-side command: see server/admin/index.ts): recomputes every hash of the audit chain.
 * - against the server's storage (the same DATA_DIR / DATABASE_URL the server uses, or --data-dir), every org or --org;
 * - or against a JSON export (`--file audit.json`), wherever it was copied to.
 * Exit 0 when every chain holds, 1 with the first broken entry otherwise.
 */
export async function auditVerify(options: { file?: string; dataDir?: string; databaseUrl?: string; org?: string }, out: (line: string) => void): Promise<number> {
  const results: Array<{ orgId: string; name: string; verdict: ChainVerdict }> = [];
  if (options.file) {
    const parsed = JSON.parse(await readFile(options.file, 'utf8')) as { orgId: string; complete?: boolean; entries: AuditEntryView[] };
    if (parsed.complete === false) {
      out(`${options.file} is a filtered export: only a complete export (no filters) can be verified.`);
      return 2;
    }
    const verifier = new ChainVerifier();
    for (const entry of parsed.entries) if (!verifier.push(auditRecordFromView(entry))) break;
    results.push({ orgId: parsed.orgId, name: options.file, verdict: verifier.verdict() });
  } else {
    // Loaded here: verifying an export file needs no database driver (an auditor's machine may have none).
    const { openStore } = await import('../../lib/store');
    const store = openStore({ databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL, dataDir: options.dataDir ?? process.env.DATA_DIR ?? './data' });
    try {
      const orgs = (await store.listOrgs()).filter((org) => !options.org || org.id === options.org);
      if (orgs.length === 0) {
        out(options.org ? `No organization ${options.org} in this database.` : 'No organizations in this database.');
        return 2;
      }
      for (const org of orgs) results.push({ orgId: org.id, name: org.name, verdict: await verifyAuditChain(store, org.id) });
    } finally {
      await store.close();
    }
  }
  let ok = true;
  for (const { orgId, name, verdict } of results) {
    if (verdict.ok) out(`ok      ${name} (${orgId}): ${verdict.entries} entries, head ${verdict.headHash}`);
    else {
      ok = false;
      out(`BROKEN  ${name} (${orgId}): at entry #${verdict.brokenAt}: ${verdict.reason} (${verdict.entries} entries before it verified)`);
    }
  }
  return ok ? 0 : 1;
}

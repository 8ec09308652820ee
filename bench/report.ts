/**
 * Renders a run's rows as Markdown tables, with Loupe's figures as a ratio to
 * the stock server's measured in the same run (for latencies < 1 is better;
 * for throughput > 1 is better).
 */
type Row = Record<string, string | number>;

const KEYS: Record<string, { match: string[]; figures: string[] }> = {
  paced: { match: ['readers'], figures: ['p50', 'p95', 'p99', 'cpuPercent', 'peakRssMiB'] },
  flood: { match: ['readers'], figures: ['updatesPerSecondToEveryReader', 'p50', 'p99', 'cpuPercent', 'peakRssMiB'] },
  ingest: { match: [], figures: ['updatesPerSecond', 'cpuPercent', 'peakRssMiB'] },
  cold: { match: ['sizeMiB'], figures: ['fromMemoryMs', 'fromStorageMs', 'serverCpuMsPerJoin', 'peakRssMiB'] },
  put: { match: [], figures: ['putP50', 'putP99', 'deliveryP50', 'deliveryP99', 'cpuPercent', 'peakRssMiB'] },
};

export function renderMarkdown(results: Record<string, Row[]>): string {
  const out: string[] = [];
  for (const [table, rows] of Object.entries(results)) {
    const spec = KEYS[table];
    if (!spec) {
      // Loupe-only scenarios (versions, review): every column as recorded.
      const head = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      out.push(`### ${table}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
      for (const row of rows) out.push(`| ${head.map((k) => String(row[k] ?? '–')).join(' | ')} |`);
      out.push('');
      continue;
    }
    const loupeRows = rows.filter((r) => r.server === 'loupe');
    const stockRows = rows.filter((r) => r.server === 'stock');
    const head = [...spec.match, ...spec.figures.flatMap((f) => [`${f} loupe`, `stock`, `ratio`])];
    out.push(`### ${table}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const row of loupeRows) {
      const stock = stockRows.find((s) => spec.match.every((k) => s[k] === row[k]));
      const cells = spec.match.map((k) => String(row[k]));
      for (const figure of spec.figures) {
        const mine = row[figure];
        const theirs = stock?.[figure];
        const ratio = typeof mine === 'number' && typeof theirs === 'number' && theirs !== 0 ? (mine / theirs).toFixed(2) : '–';
        cells.push(String(mine ?? '–'), String(theirs ?? '–'), ratio);
      }
      out.push(`| ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

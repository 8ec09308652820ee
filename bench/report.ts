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

/**
 * The multi-process tables (issue 12): chosen columns, and a figure as a ratio to the same figure of
 * the one-process targets in the same run (`baselines`, matched on `match`): for the targets, the
 * cross-instance p99 over the single instance's on SQLite and on PostgreSQL.
 */
const GEN = ['genCpuPercent', 'load gen CPU % (readers + writer)'] as const;
const BACKING = [['serversCpuPercent', 'servers CPU %'], ['pgCpuPercent', 'PostgreSQL CPU %'], ['redisCpuPercent', 'Redis CPU %'], GEN] as const;
const CLUSTER: Record<string, { columns: ReadonlyArray<readonly [string, string]>; ratio?: { figure: string; title: string; match: string[]; baselines: string[] } }> = {
  'cluster-paced': {
    columns: [['readers', 'R'], ['target', 'target'], ['complete', 'complete'], ['lost', 'lost'], ['duplicated', 'dup'], ['p50', 'p50 ms'], ['p95', 'p95 ms'], ['p99', 'p99 ms'], ...BACKING, ['serversPeakRssMiB', 'servers RSS MiB']],
    ratio: { figure: 'p99', title: 'p99', match: ['readers'], baselines: ['loupe sqlite ×1', 'loupe pg ×1'] },
  },
  'cluster-flood': {
    columns: [['readers', 'R'], ['target', 'target'], ['complete', 'complete'], ['lost', 'lost'], ['duplicated', 'dup'], ['updatesPerSecondToEveryReader', 'updates/s to every reader'], ['p50', 'p50 ms'], ['p99', 'p99 ms'], ...BACKING, ['readersCpuPercent', 'readers CPU %'], ['writerCpuPercent', 'writer CPU %']],
    ratio: { figure: 'updatesPerSecondToEveryReader', title: 'updates/s', match: ['readers'], baselines: ['loupe sqlite ×1', 'loupe pg ×1'] },
  },
  'pg-ingest': {
    columns: [['target', 'target'], ['readerOn', 'reader on'], ['updates', 'updates'], ['updatesPerSecond', 'updates/s'], ['lost', 'lost'], ['duplicated', 'dup'], ['durable', 'before relay'], ...BACKING],
  },
  'cluster-conns': {
    columns: [['target', 'target'], ['connections', 'connections'], ['documents', 'docs'], ['editsPerSecond', 'edits/s'], ['complete', 'readers complete'], ['lost', 'lost'], ['duplicated', 'dup'], ['p50', 'p50 ms'], ['p99', 'p99 ms'], ['kibPerConnection', 'KiB per connection'], ['peakRssMiBPerInstance', 'peak RSS MiB per instance'], ...BACKING],
    ratio: { figure: 'p99', title: 'p99', match: [], baselines: ['loupe sqlite ×1', 'loupe pg ×1'] },
  },
  'cluster-cold': {
    columns: [['target', 'target'], ['sizeMiB', 'MiB'], ['joinedOn', 'joined on'], ['coldMs', 'cold join ms (median of 3)'], ['coldMaxMs', 'max'], ['completeJoins', 'complete'], ['holderMs', 'join on the holder ms'], ['serversCpuMsPerColdJoin', 'servers CPU ms per cold join'], ['pgCpuPercent', 'PostgreSQL CPU %'], GEN],
  },
};

function renderCluster(table: string, rows: Row[]): string[] {
  const spec = CLUSTER[table];
  const ratio = spec.ratio;
  const head = [...spec.columns.map(([, title]) => title), ...(ratio?.baselines.map((b) => `${ratio.title} ÷ ${b}`) ?? [])];
  const out = [`### ${table}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const ordered = ratio?.match.length ? [...rows].sort((a, b) => Number(a[ratio.match[0]]) - Number(b[ratio.match[0]])) : rows;
  for (const row of ordered) {
    if (row.error !== undefined) {
      // A scenario that failed: its target, then the error where the figures would be.
      const cells = spec.columns.map(([key]) => (key === 'target' || key === 'readers' ? String(row[key] ?? '–') : ''));
      cells[cells.findIndex((c) => c === '')] = `**failed**: ${String(row.error).replace(/\|/g, '/')}`;
      out.push(`| ${cells.join(' | ')} |`);
      continue;
    }
    const cells = spec.columns.map(([key]) => String(row[key] ?? '–'));
    for (const baseline of ratio?.baselines ?? []) {
      const base = rows.find((r) => r.target === baseline && ratio!.match.every((k) => r[k] === row[k]));
      const mine = row[ratio!.figure];
      const theirs = base?.[ratio!.figure];
      cells.push(typeof mine === 'number' && typeof theirs === 'number' && theirs !== 0 ? (mine / theirs).toFixed(2) : '–');
    }
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('');
  return out;
}

export function renderMarkdown(results: Record<string, Row[]>): string {
  const out: string[] = [];
  for (const [table, rows] of Object.entries(results)) {
    if (CLUSTER[table]) {
      out.push(...renderCluster(table, rows));
      continue;
    }
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

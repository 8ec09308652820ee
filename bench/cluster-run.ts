// The multi-process scenarios of issue 12 (`--only=cluster-paced,cluster-flood,pg-ingest,cluster-conns,cluster-cold`,
// `--instances=1,2,3`), run against every target of bench/cluster.ts in turn. Every row carries the
// load generator's CPU (the reader process and this driver process, which holds the writers), the
// servers' CPU and RSS summed over their instances, PostgreSQL's and Redis's CPU (all their
// processes on the machine), and what the readers lost or got twice.
import * as Y from 'yjs';
import { GroupMeter, ProcessMeter, totalRssMiB } from './proc';
import { nowUs, summarize } from './stats';
import { markedEdit, ReaderPool, sleep, yieldToLoop, type ReaderReport } from './clients';
import { kindOf, labelOf, startTarget, targetSpecs, type ClusterTarget, type TargetSpec } from './cluster';
import { rawJoin, RawWriter } from './raw-clients';
import { updateFrame, type Endpoint } from './protocol';

type Row = Record<string, string | number>;
export type Record_ = (table: string, row: Row) => void;

export const CLUSTER_SCENARIOS = ['cluster-paced', 'cluster-flood', 'pg-ingest', 'cluster-conns', 'cluster-cold'] as const;

export interface ClusterOptions {
  only: string[];
  instances: number[];
  servers: string[];
  /** Only these kinds of target (see kindOf): loupe-sqlite, loupe-pg, loupe-cluster, hocuspocus. */
  targets?: string[];
  quick: boolean;
  /** Overrides for a tiny smoke run: readers per paced/flood run, edits per run, seconds of cluster-conns. */
  readers?: number[];
  edits?: number;
  connsSeconds?: number;
}

interface Params {
  readers: number[];
  edits: number;
  ingestUpdates: number;
  conns: { docs: number; connections: number; editsPerSecond: number; seconds: number };
  coldMiB: number;
}

function paramsOf(options: ClusterOptions): Params {
  const quick = options.quick;
  return {
    readers: options.readers ?? (quick ? [10] : [100, 500]),
    edits: options.edits ?? (quick ? 200 : 2000),
    ingestUpdates: quick ? 5_000 : Number(process.env.BENCH_INGEST_UPDATES ?? 50_000),
    conns: quick
      ? { docs: 10, connections: 100, editsPerSecond: 100, seconds: options.connsSeconds ?? 2 }
      : { docs: 100, connections: 1000, editsPerSecond: 1000, seconds: options.connsSeconds ?? 30 },
    coldMiB: quick ? 1 : Number(process.env.BENCH_COLD_MIB ?? 16),
  };
}

/** What a scenario opened, closed when it ends however it ends (a failed scenario must not leave sockets or processes behind). */
class Scope {
  private readonly closers: Array<() => unknown> = [];

  add<T extends { close(): unknown }>(thing: T): T {
    this.closers.push(() => thing.close());
    return thing;
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch {
        // already closed
      }
    }
  }
}

function fix(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Meters for one measured phase: servers, PostgreSQL, Redis and the load generator. */
class PhaseMeter {
  private readonly servers: GroupMeter;
  private readonly postgres = GroupMeter.named('postgres');
  private readonly redis = GroupMeter.named('redis-server');
  private readonly readers: ProcessMeter | null;
  private readonly driver = new ProcessMeter(process.pid);

  constructor(target: ClusterTarget, readersPid: number | null) {
    this.servers = GroupMeter.ofPids(target.instances.map((i) => i.pid));
    this.readers = readersPid === null ? null : new ProcessMeter(readersPid);
  }

  start(): void {
    this.servers.start();
    this.postgres.start();
    this.redis.start();
    this.readers?.start();
    this.driver.start();
  }

  stop(): Row {
    const servers = this.servers.stop();
    const readersUsage = this.readers?.stop() ?? { cpuPercent: 0, cpuSeconds: 0 };
    const driverUsage = this.driver.stop();
    const readers = readersUsage.cpuPercent;
    const driver = driverUsage.cpuPercent;
    return {
      serversCpuSeconds: servers.cpuSeconds,
      serversCpuPercent: servers.cpuPercent,
      serversPeakRssMiB: servers.peakRssMiB,
      pgCpuPercent: this.postgres.stop().cpuPercent,
      redisCpuPercent: this.redis.stop().cpuPercent,
      // The load generator shares the machine's two cores with everything above: its CPU says whether it bounds the figure.
      genCpuPercent: Math.round((readers + driver) * 10) / 10,
      genCpuSeconds: Math.round((readersUsage.cpuSeconds + driverUsage.cpuSeconds) * 10) / 10,
      readersCpuPercent: readers,
      writerCpuPercent: driver,
    };
  }
}

function deliveryColumns(report: ReaderReport): Row {
  return {
    complete: `${report.complete}/${report.readers}`,
    lost: report.lost,
    duplicated: report.duplicates,
    closedEarly: report.closedEarly,
    p50: fix(report.latencyMs.p50),
    p95: fix(report.latencyMs.p95),
    p99: fix(report.latencyMs.p99),
  };
}

/** Readers 0, 1, 2, … on instances 0, 1, 2, 0, …: with N instances, (N−1)/N of them away from the writer's. */
function spreadReaders(target: ClusterTarget, doc: string, count: number): Endpoint[] {
  return Array.from({ length: count }, (_, i) => target.reader(doc, i % target.instances.length));
}

async function clusterPaced(scope: Scope, target: ClusterTarget, readers: number, p: Params, record: Record_): Promise<void> {
  const doc = await target.newDoc();
  const pool = scope.add(await ReaderPool.openEndpoints(spreadReaders(target, doc, readers), p.edits + 1));
  const writer = scope.add(await RawWriter.open(target.writer(doc, 0)));
  const meter = new PhaseMeter(target, pool.pid);
  meter.start();
  const start = performance.now();
  for (let i = 0; i < p.edits; i++) {
    await sleep(start + i * 10 - performance.now());
    writer.append(markedEdit(i));
  }
  const report = await pool.report(p.edits);
  record('cluster-paced', { target: target.label, instances: target.instances.length, readers, edits: p.edits, ...deliveryColumns(report), ...meter.stop() });
}

async function clusterFlood(scope: Scope, target: ClusterTarget, readers: number, p: Params, record: Record_): Promise<void> {
  const doc = await target.newDoc();
  const pool = scope.add(await ReaderPool.openEndpoints(spreadReaders(target, doc, readers), p.edits + 1));
  const writer = scope.add(await RawWriter.open(target.writer(doc, 0)));
  const meter = new PhaseMeter(target, pool.pid);
  meter.start();
  const startUs = nowUs();
  for (let i = 0; i < p.edits; i++) {
    writer.append(markedEdit(i));
    if (i % 20 === 19) await yieldToLoop();
  }
  const report = await pool.report(p.edits, 300_000);
  const seconds = (report.lastArrivalUs - startUs) / 1e6;
  record('cluster-flood', {
    target: target.label, instances: target.instances.length, readers, edits: p.edits,
    updatesPerSecondToEveryReader: report.complete === report.readers ? Math.round(p.edits / seconds) : 'incomplete',
    ...deliveryColumns(report), ...meter.stop(),
  });
}

/**
 * Durable ingest: pre-encoded one-character updates as fast as the writer's socket takes them, on
 * instance 0; one verifying reader on the last instance (across Redis when there are several). The
 * last update carries the marker: for Loupe its arrival means every update before it is durable.
 * Lost/duplicated: the reader's text must be exactly every update, and it counts Yjs units it got twice.
 */
async function pgIngest(scope: Scope, target: ClusterTarget, p: Params, record: Record_): Promise<void> {
  const doc = await target.newDoc();
  const last = target.instances.length - 1;
  const pool = scope.add(await ReaderPool.openEndpoints([target.reader(doc, last)], 2, { verify: true }));
  const writer = scope.add(await RawWriter.open(target.writer(doc, 0)));
  const source = scope.add({ doc: new Y.Doc(), close() { this.doc.destroy(); } }).doc;
  const text = source.getText('html');
  const frames: Uint8Array[] = [];
  source.on('update', (update: Uint8Array) => frames.push(updateFrame(writer.endpoint, update)));
  for (let i = 0; i < p.ingestUpdates - 1; i++) text.insert(text.length, 'x');
  const meter = new PhaseMeter(target, pool.pid);
  meter.start();
  const startUs = nowUs();
  for (let i = 0; i < frames.length; i++) {
    writer.sendRaw(frames[i]);
    if (i % 500 === 499) await yieldToLoop();
  }
  const sentAllUs = nowUs();
  text.insert(text.length, markedEdit(0, 20));
  writer.sendRaw(frames[frames.length - 1]);
  const report = await pool.report(1, 300_000);
  const seconds = (report.lastArrivalUs - startUs) / 1e6;
  const received = report.textLengths?.[0] ?? 0;
  record('pg-ingest', {
    target: target.label, instances: target.instances.length, readerOn: `instance ${last}`, updates: p.ingestUpdates,
    updatesPerSecond: report.complete === 1 ? Math.round(p.ingestUpdates / seconds) : 'incomplete',
    clientSendMs: Math.round((sentAllUs - startUs) / 1000),
    lost: `${text.length - received} chars`, duplicated: `${report.duplicateUnits ?? 0} units`,
    durable: target.durability, ...meter.stop(),
  });
}

/** The instances' RSS, median of 5 readings over a second (one reading catches a collection half way). */
async function settledRss(pids: number[]): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(totalRssMiB(pids));
    await sleep(200);
  }
  return summarize(readings).p50;
}

/**
 * 1,000 connections over 100 documents at 1,000 edits/s: one writer per document (document d's on
 * instance d mod N) and 9 readers per document spread over every instance. Memory per connection:
 * the instances' RSS with every connection open and every room loaded, less their RSS before, over
 * the connections.
 */
async function clusterConns(scope: Scope, target: ClusterTarget, p: Params, record: Record_): Promise<void> {
  const { docs: docCount, connections, editsPerSecond, seconds } = p.conns;
  const n = target.instances.length;
  const pids = target.instances.map((i) => i.pid);
  const docs: string[] = [];
  for (let d = 0; d < docCount; d++) docs.push(await target.newDoc());
  const readersPerDoc = connections / docCount - 1;
  const editsPerDoc = Math.round((editsPerSecond * seconds) / docCount);
  await sleep(1500); // rooms the creation loaded unload (idle unload is 0 ms in the bench)
  const idleRss = await settledRss(pids);
  const endpoints: Endpoint[] = [];
  let k = 0;
  for (const doc of docs) for (let r = 0; r < readersPerDoc; r++) endpoints.push(target.reader(doc, k++ % n));
  const pool = scope.add(await ReaderPool.openEndpoints(endpoints, editsPerDoc + 1, { timeoutMs: 300_000 }));
  const writers: RawWriter[] = [];
  for (let d = 0; d < docCount; d++) writers.push(scope.add(await RawWriter.open(target.writer(docs[d], d % n))));
  const connectedRss = await settledRss(pids);
  const meter = new PhaseMeter(target, pool.pid);
  meter.start();
  // Every 10 ms a tenth of the documents get an edit each: editsPerSecond in all, evenly.
  const perTick = Math.max(1, Math.round(editsPerSecond / 100));
  const totalEdits = editsPerDoc * docCount;
  const start = performance.now();
  for (let sent = 0, tick = 0; sent < totalEdits; tick++) {
    await sleep(start + tick * 10 - performance.now());
    for (let j = 0; j < perTick && sent < totalEdits; j++, sent++) writers[sent % docCount].append(markedEdit(Math.floor(sent / docCount)));
  }
  const sendSeconds = (performance.now() - start) / 1000;
  const report = await pool.report(editsPerDoc, 300_000);
  const figures = meter.stop();
  record('cluster-conns', {
    target: target.label, instances: n, documents: docCount, connections, editsPerSecond: Math.round(totalEdits / sendSeconds),
    ...deliveryColumns(report),
    idleRssMiB: idleRss, connectedRssMiB: connectedRss,
    kibPerConnection: Math.round(((connectedRss - idleRss) * 1024) / connections),
    peakRssMiBPerInstance: Math.round(((figures.serversPeakRssMiB as number) / n) * 10) / 10,
    ...figures,
  });
}

/**
 * Cold load of a page of `mib` MiB (4 KiB edits from a writer on instance 0): a fresh client joins on
 * the last instance, which has never held it (with several instances the writer stays connected, so
 * the document is live elsewhere; with one, the writer leaves and the room unloads: from storage).
 * Median of 3 joins, 1.5 s apart so the joining instance unloads it in between; and 3 joins on the
 * instance holding it, for comparison. Every join's text length is checked against the page's.
 */
async function clusterCold(scope: Scope, target: ClusterTarget, mib: number, record: Record_): Promise<void> {
  const doc = await target.newDoc();
  const n = target.instances.length;
  const writer = scope.add(await RawWriter.open(target.writer(doc, 0)));
  const editBytes = mib >= 16 ? 4096 : 1024;
  const edits = (mib * 1024 * 1024) / editBytes;
  for (let i = 0; i < edits; i++) {
    writer.append(markedEdit(i, editBytes));
    if (i % 20 === 19) {
      await writer.drain();
      await yieldToLoop();
    }
  }
  const length = writer.text.length;
  // The instance holding it has everything (also proves the server took in every write).
  const held: number[] = [];
  for (let attempt = 0; held.length < 3; attempt++) {
    const join = await rawJoin(target.reader(doc, 0));
    if (join.length === length) held.push(join.ms);
    else if (attempt > 120) throw new Error(`${target.label}: the page never reached ${length} chars (${join.length})`);
    else await sleep(1000);
  }
  if (n === 1) writer.close();
  const meter = new PhaseMeter(target, null);
  const cold: number[] = [];
  let complete = 0;
  meter.start();
  for (let i = 0; i < 3; i++) {
    await sleep(1500);
    const join = await rawJoin(target.reader(doc, n - 1));
    cold.push(join.ms);
    if (join.length === length) complete++;
  }
  const figures = meter.stop();
  record('cluster-cold', {
    target: target.label, instances: n, sizeMiB: mib, builtFromEdits: edits,
    joinedOn: n === 1 ? 'instance 0 (room unloaded: from storage)' : `instance ${n - 1} (live on instance 0)`,
    coldMs: fix(summarize(cold).p50), coldMaxMs: fix(Math.max(...cold)), completeJoins: `${complete}/3`,
    holderMs: fix(summarize(held).p50),
    serversCpuMsPerColdJoin: Math.round((Number(figures.serversCpuSeconds) * 1000) / 3),
    ...figures,
  });
}

export async function runClusterScenarios(options: ClusterOptions, record: Record_): Promise<void> {
  const p = paramsOf(options);
  const specs = targetSpecs(options.instances, options.servers).filter((spec) => !options.targets || options.targets.includes(kindOf(spec)));
  const maxInstances = Math.max(...options.instances);
  const wants = (scenario: string) => options.only.includes(scenario);
  // cluster-conns is asked for across the most instances; the one-process targets give its baseline.
  const connsFor = (spec: TargetSpec) => spec.instances === 1 || spec.instances === maxInstances;
  // Ctrl-C stops the target being measured, so its database and Redis keys go with it.
  let current: ClusterTarget | null = null;
  const onInterrupt = () => void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  process.once('SIGINT', onInterrupt);
  for (const spec of specs) {
    process.stdout.write(`— ${labelOf(spec)}\n`);
    let target: ClusterTarget;
    try {
      target = await startTarget(spec);
    } catch (error) {
      process.stderr.write(`${labelOf(spec)} did not start: ${(error as Error).stack ?? String(error)}\n`);
      for (const table of CLUSTER_SCENARIOS.filter(wants)) record(table, { target: labelOf(spec), instances: spec.instances, error: `did not start: ${(error as Error).message}` });
      continue;
    }
    current = target;
    // One scenario failing (a timeout, a crash) is recorded in its table and the run goes on.
    const attempt = async (table: string, run: (scope: Scope) => Promise<void>) => {
      const scope = new Scope();
      try {
        await run(scope);
      } catch (error) {
        process.stderr.write(`${table} on ${target.label} failed: ${(error as Error).stack ?? String(error)}\n`);
        record(table, { target: target.label, instances: target.instances.length, error: (error as Error).message });
      } finally {
        await scope.close();
      }
    };
    try {
      if (wants('cluster-paced')) for (const r of p.readers) await attempt('cluster-paced', (scope) => clusterPaced(scope, target, r, p, record));
      if (wants('cluster-flood')) for (const r of p.readers) await attempt('cluster-flood', (scope) => clusterFlood(scope, target, r, p, record));
      if (wants('pg-ingest')) await attempt('pg-ingest', (scope) => pgIngest(scope, target, p, record));
      if (wants('cluster-conns') && connsFor(spec)) await attempt('cluster-conns', (scope) => clusterConns(scope, target, p, record));
      if (wants('cluster-cold')) await attempt('cluster-cold', (scope) => clusterCold(scope, target, p.coldMiB, record));
    } finally {
      current = null;
      await target.stop();
    }
  }
  process.off('SIGINT', onInterrupt);
}

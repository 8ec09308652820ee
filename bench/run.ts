// `npm run bench`: Loupe against the stock @y/websocket-server 0.1.1 under the same load, in one run;
// then Loupe on several processes (PostgreSQL + Redis) against Hocuspocus with its Redis extension.
// Options: --quick (smaller runs), --only=paced,flood,ingest,cold,put,put-big,versions,review (one process, --servers=stock,loupe;
// --versions=N sets the versions scenario's count, --put-big-mib=0.03,1,8 and --put-big-puts=N the put-big one's)
// and cluster-paced,cluster-flood,pg-ingest,cluster-conns,cluster-cold (--instances=1,2,3, --cluster-servers=loupe,hocuspocus;
// for a smoke run --readers=10 --edits=200 --conns-seconds=2, --targets=loupe-sqlite,loupe-pg,loupe-cluster,hocuspocus),
// --out=NAME (bench/results/NAME.json/.md). See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';

// `npm run bench -- render …`: the render benchmark (Chromium reader, real server), on its own; see bench/render.ts.
if (process.argv[2] === 'render') {
  await import('./render');
  process.exit(0);
}

import * as Y from 'yjs';
import WebSocket from 'ws';
import { encodeUpdateFrame } from '../server/collab/frames';
import { ProcessMeter } from './proc';
import { nowUs, summarize } from './stats';
import { markedEdit, openWriter, ReaderPool, sleep, timeJoin, yieldToLoop } from './clients';
import { startLoupe, startStock, WRITER_TOKEN, type BenchServer } from './servers';
import { renderMarkdown } from './report';
import { versionStorage } from './versions';
import { putBigPages } from './put-big';
import { reviewLayer } from './review';
import { REVIEW_LIMITS } from '../lib/review/types';
import { CLUSTER_SCENARIOS, runClusterScenarios } from './cluster-run';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const SINGLE_SCENARIOS = ['paced', 'flood', 'ingest', 'cold', 'put', 'put-big', 'versions', 'review'];
function option(name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
const numbers = (value: string | undefined) => value?.split(',').map(Number);
const only = option('only')?.split(',') ?? [...SINGLE_SCENARIOS, ...CLUSTER_SCENARIOS];
const unknown = only.filter((s) => !SINGLE_SCENARIOS.includes(s) && !(CLUSTER_SCENARIOS as readonly string[]).includes(s));
if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
const serverNames = option('servers')?.split(',') ?? ['stock', 'loupe'];

const EDITS = quick ? 500 : 2000;
const PACED_READERS = quick ? [1, 100] : [1, 10, 100, 500];
const FLOOD_READERS = quick ? [100] : [100, 500];
const INGEST_UPDATES = quick ? 5_000 : Number(process.env.BENCH_INGEST_UPDATES ?? 50_000);
const COLD_SIZES_MIB = quick ? [1] : process.env.BENCH_COLD_MIB ? [Number(process.env.BENCH_COLD_MIB)] : [1, 16];
/** put-big: one-paragraph PUTs on pages of 30 KB, 1 MiB and 8 MiB (quick: the two smaller). */
const PUT_BIG_MIB = numbers(option('put-big-mib')) ?? (quick ? [30 / 1024, 1] : [30 / 1024, 1, 8]);
const PUT_BIG_PUTS = numbers(option('put-big-puts'))?.[0] ?? (quick ? 30 : 100);
const VERSIONS = numbers(option('versions'))?.[0] ?? (quick ? 100 : 1000);

type Row = Record<string, string | number>;
const results: Record<string, Row[]> = {};
function record(table: string, row: Row): void {
  (results[table] ??= []).push(row);
  process.stdout.write(`${table}: ${JSON.stringify(row)}\n`);
}

async function paced(server: BenchServer, readers: number): Promise<void> {
  const room = await server.newRoom();
  const pool = await ReaderPool.open(`${server.wsBase}/${room}${server.readerQuery}`, readers, EDITS + 1);
  const writer = await openWriter(server.wsBase, room, server.writerParams);
  const meter = new ProcessMeter(server.pid);
  meter.start();
  const start = performance.now();
  for (let i = 0; i < EDITS; i++) {
    await sleep(start + i * 10 - performance.now());
    writer.append(markedEdit(i));
  }
  const report = await pool.report(EDITS);
  const usage = meter.stop();
  record('paced', {
    server: server.name, readers, complete: `${report.complete}/${report.readers}`,
    p50: fix(report.latencyMs.p50), p95: fix(report.latencyMs.p95), p99: fix(report.latencyMs.p99),
    cpuPercent: usage.cpuPercent, peakRssMiB: usage.peakRssMiB,
  });
  writer.destroy();
  await pool.close();
}

async function flood(server: BenchServer, readers: number): Promise<void> {
  const room = await server.newRoom();
  const pool = await ReaderPool.open(`${server.wsBase}/${room}${server.readerQuery}`, readers, EDITS + 1);
  const writer = await openWriter(server.wsBase, room, server.writerParams);
  const meter = new ProcessMeter(server.pid);
  const readersMeter = new ProcessMeter(pool.pid);
  const driverMeter = new ProcessMeter(process.pid);
  meter.start();
  readersMeter.start();
  driverMeter.start();
  const startUs = nowUs();
  for (let i = 0; i < EDITS; i++) {
    writer.append(markedEdit(i));
    if (i % 20 === 19) await yieldToLoop();
  }
  const report = await pool.report(EDITS, 300_000);
  const usage = meter.stop();
  // The load generators share the machine's two cores: their CPU says whether they bound the figure.
  const readersCpu = readersMeter.stop().cpuPercent;
  const driverCpu = driverMeter.stop().cpuPercent;
  const seconds = (report.lastArrivalUs - startUs) / 1e6;
  record('flood', {
    server: server.name, readers, complete: `${report.complete}/${report.readers}`,
    updatesPerSecondToEveryReader: Math.round(EDITS / seconds),
    p50: fix(report.latencyMs.p50), p99: fix(report.latencyMs.p99),
    cpuPercent: usage.cpuPercent, peakRssMiB: usage.peakRssMiB, readersCpuPercent: readersCpu, writerCpuPercent: driverCpu,
  });
  writer.destroy();
  await pool.close();
}

/**
 * Durable ingest: a raw socket with a write token sends pre-encoded small updates as fast as the
 * socket takes them, so the figure is the server's, not the client library's. The last update
 * carries the marker; for Loupe its arrival at the reader means every update before it is durable.
 */
async function ingest(server: BenchServer): Promise<void> {
  const room = await server.newRoom();
  const pool = await ReaderPool.open(`${server.wsBase}/${room}${server.readerQuery}`, 1, 2);
  const source = new Y.Doc();
  const text = source.getText('html');
  const frames: Uint8Array[] = [];
  source.on('update', (update: Uint8Array) => frames.push(encodeUpdateFrame(update)));
  for (let i = 0; i < INGEST_UPDATES - 1; i++) text.insert(text.length, 'x');
  const query = server.name === 'loupe' ? `?token=${WRITER_TOKEN}` : '';
  const socket = new WebSocket(`${server.wsBase}/${room}${query}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const meter = new ProcessMeter(server.pid);
  meter.start();
  const startUs = nowUs();
  for (let i = 0; i < frames.length; i++) {
    socket.send(frames[i]);
    if (i % 500 === 499) await yieldToLoop();
  }
  const sentAllUs = nowUs();
  text.insert(text.length, markedEdit(0, 20));
  socket.send(frames[frames.length - 1]);
  const report = await pool.report(1, 300_000);
  const usage = meter.stop();
  const seconds = (report.lastArrivalUs - startUs) / 1e6;
  record('ingest', {
    server: server.name, updates: INGEST_UPDATES, updatesPerSecond: Math.round(INGEST_UPDATES / seconds),
    clientSendMs: Math.round((sentAllUs - startUs) / 1000),
    durable: server.name === 'loupe' ? 'yes (fsync per batch)' : 'no (memory)',
    cpuPercent: usage.cpuPercent, peakRssMiB: usage.peakRssMiB,
  });
  socket.close();
  source.destroy();
  await pool.close();
}

async function cold(server: BenchServer, mib: number): Promise<void> {
  const room = await server.newRoom();
  const writer = await openWriter(server.wsBase, room, server.writerParams);
  const editBytes = mib >= 16 ? 4096 : 1024;
  const edits = (mib * 1024 * 1024) / editBytes;
  for (let i = 0; i < edits; i++) {
    writer.append(markedEdit(i, editBytes));
    if (i % 20 === 19) await yieldToLoop();
  }
  const length = writer.text.length;
  // First joiner (also proves the server has everything), then measured joiners from memory.
  for (let attempt = 0; ; attempt++) {
    try {
      await timeJoin(server.wsBase, room, server.writerParams, length);
      break;
    } catch (error) {
      if (attempt > 60) throw error; // the server is still taking in the writes
      await sleep(1000);
    }
  }
  const meter = new ProcessMeter(server.pid);
  const fromMemory: number[] = [];
  meter.start();
  for (let i = 0; i < 3; i++) fromMemory.push(await timeJoin(server.wsBase, room, server.writerParams, length));
  const usage = meter.stop();
  const fromStorage: number[] = [];
  if (server.name === 'loupe') {
    writer.destroy();
    for (let i = 0; i < 3; i++) {
      await sleep(1500); // let the room unload (idle unload is 0 ms in the bench) and compaction finish
      fromStorage.push(await timeJoin(server.wsBase, room, server.writerParams, length));
    }
  } else {
    writer.destroy();
  }
  record('cold', {
    server: server.name, sizeMiB: mib, builtFromEdits: edits,
    fromMemoryMs: fix(summarize(fromMemory).p50),
    fromStorageMs: fromStorage.length ? fix(summarize(fromStorage).p50) : 'n/a (not durable)',
    serverCpuMsPerJoin: Math.round((usage.cpuSeconds * 1000) / 3), peakRssMiB: usage.peakRssMiB,
  });
}

async function putPath(server: BenchServer): Promise<void> {
  if (server.name !== 'loupe') return;
  const readers = quick ? 10 : 100;
  const room = await server.newRoom();
  const base = Array.from({ length: 500 }, (_, i) => `<p id="p${i}">${'content '.repeat(25)}</p>\n`).join('');
  const pool = await ReaderPool.open(`${server.wsBase}/${room}${server.readerQuery}`, readers, 1024);
  const meter = new ProcessMeter(server.pid);
  const puts = quick ? 50 : 200;
  const roundTrips: number[] = [];
  let page = base;
  meter.start();
  for (let i = 0; i < puts; i++) {
    page = page + markedEdit(i);
    const started = performance.now();
    const res = await fetch(`${server.httpBase}/api/v1/artifacts/${room}/content`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${WRITER_TOKEN}`, 'content-type': 'text/html' },
      body: page,
    });
    await res.arrayBuffer();
    roundTrips.push(performance.now() - started);
  }
  const report = await pool.report(puts);
  const usage = meter.stop();
  const rt = summarize(roundTrips);
  record('put', {
    server: server.name, pageKiB: Math.round(page.length / 1024), puts, readers,
    putP50: fix(rt.p50), putP99: fix(rt.p99),
    deliveryP50: fix(report.latencyMs.p50), deliveryP99: fix(report.latencyMs.p99),
    cpuPercent: usage.cpuPercent, peakRssMiB: usage.peakRssMiB,
  });
  await pool.close();
}

function fix(value: number): number {
  return Math.round(value * 100) / 100;
}

for (const name of only.some((s) => SINGLE_SCENARIOS.includes(s)) ? serverNames : []) {
  const server = name === 'stock' ? await startStock() : await startLoupe();
  try {
    if (only.includes('paced')) for (const r of PACED_READERS) await paced(server, r);
    if (only.includes('flood')) for (const r of FLOOD_READERS) await flood(server, r);
    if (only.includes('ingest')) await ingest(server);
    if (only.includes('cold')) for (const mib of COLD_SIZES_MIB) await cold(server, mib);
    if (only.includes('put')) await putPath(server);
    if (only.includes('put-big') && server.name === 'loupe') {
      for (const mib of PUT_BIG_MIB) record('put-big', await putBigPages(server, mib * 1024 * 1024, PUT_BIG_PUTS));
    }
    if (only.includes('versions') && server.name === 'loupe') record('versions', await versionStorage(server, VERSIONS));
    // The stock server has no review layer.
    if (only.includes('review') && server.name === 'loupe') {
      await reviewLayer(
        server,
        quick
          ? { threads: 300, readers: 10, replies: 50, replyIntervalMs: 100, unwatchedReplies: 10, reads: 20 }
          : { threads: REVIEW_LIMITS.threadsPerArtifact, readers: 50, replies: 200, replyIntervalMs: 100, unwatchedReplies: 20, reads: 50 },
        record,
      );
    }
  } finally {
    await server.stop();
  }
}

if (only.some((s) => (CLUSTER_SCENARIOS as readonly string[]).includes(s))) {
  await runClusterScenarios(
    {
      only,
      quick,
      instances: numbers(option('instances')) ?? [1, 2, 3],
      servers: option('cluster-servers')?.split(',') ?? ['loupe', 'hocuspocus'],
      targets: option('targets')?.split(','),
      readers: numbers(option('readers')),
      edits: numbers(option('edits'))?.[0],
      connsSeconds: numbers(option('conns-seconds'))?.[0],
    },
    record,
  );
}

// --out=NAME writes bench/results/NAME.json and NAME.md (default latest), so two runs can be kept side by side.
const out = `bench/results/${option('out') ?? 'latest'}`;
mkdirSync('bench/results', { recursive: true });
writeFileSync(`${out}.json`, `${JSON.stringify({ at: new Date().toISOString(), quick, argv, results }, null, 2)}\n`);
const markdown = renderMarkdown(results);
writeFileSync(`${out}.md`, markdown);
process.stdout.write(`\n${markdown}\nwritten to ${out}.json and ${out}.md\n`);
process.exit(0);

import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { createAnchor, resolveAnchor, type PickedTarget } from '../lib/review/anchor';
import { scanElements } from '../lib/review/html-source';
import { REVIEW_DOC, type AnchorInput, type AnchorState, type ThreadView, type ThreadWithStateView } from '../lib/review/types';
import { ProcessMeter } from './proc';
import { summarize } from './stats';
import { sleep } from './clients';
import { READER_TOKEN, WRITER_TOKEN, type BenchServer } from './servers';

type Row = Record<string, string | number>;

/** Creation latency is reported for the first and the last this many threads. */
const EDGE_THREADS = 100;

export interface ReviewOptions {
  /** Threads to create (the full run: REVIEW_LIMITS.threadsPerArtifact, the cap). */
  threads: number;
  /** Review-room readers connected while replies are posted. */
  readers: number;
  replies: number;
  /** Pause between reply sends. */
  replyIntervalMs: number;
  /** Replies posted with no client on the review room. */
  unwatchedReplies: number;
  /** GET /threads calls timed on each page. */
  reads: number;
}

/**
 * The review layer under load, through the real server and real clients:
 * threads created up to `threads` on a ~200 KiB page (each pinned to a
 * different element, anchors made as the app makes them), replies seen live
 * by R review-room readers, the agent's GET /threads at that size before and
 * after a rewrite, and resolving every anchor on a client.
 */
export async function reviewLayer(server: BenchServer, options: ReviewOptions, record: (table: string, row: Row) => void): Promise<void> {
  const auth = { authorization: `Bearer ${WRITER_TOKEN}` };
  const id = await server.newRoom();
  const page = buildPage(0);
  await putPage(server, id, page.html);
  if (options.threads > page.targets.length) throw new Error(`page has ${page.targets.length} elements to pin to, ${options.threads} wanted`);

  // The page as a reviewer's browser has it: a synced copy of the content room.
  const content = await connect(server.wsBase, id, WRITER_TOKEN);
  const text = content.doc.getText('html');
  if (text.toString() !== page.html) throw new Error('content client did not sync the page');
  // Spread the pins over the page (a fixed stride through the elements), made before timing.
  const order = Array.from({ length: options.threads }, (_, i) => page.targets[(i * 7919) % page.targets.length]);
  if (new Set(order).size !== order.length) throw new Error('stride repeats elements');
  const anchors: AnchorInput[] = order.map((target) => {
    const anchor = createAnchor(text, { kind: 'element', tag: target.tag, ordinal: target.ordinal, quote: target.quote, selector: `${target.tag}:nth-of-type(${target.ordinal + 1})`, prefix: '', suffix: '' } satisfies PickedTarget);
    if (anchor.start === null) throw new Error(`no anchor for <${target.tag}> #${target.ordinal}`);
    return anchor;
  });

  // 1. Thread creation latency as the artifact fills up. The reviewer writing them has the review
  // room open (the comments panel), so the room stays loaded; writes nobody watches are measured below.
  const watcher = await connect(server.wsBase, `${id}/review`, READER_TOKEN);
  const serverMeter = new ProcessMeter(server.pid);
  serverMeter.start();
  const createMs: number[] = [];
  const threadIds: string[] = [];
  for (let i = 0; i < anchors.length; i++) {
    const started = performance.now();
    const res = await fetch(`${server.httpBase}/api/v1/artifacts/${id}/threads`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ text: `Thread ${i}: is this still right after the migration?`, anchor: anchors[i] }),
    });
    const body = (await res.json()) as ThreadWithStateView;
    createMs.push(performance.now() - started);
    if (res.status !== 201 || body.anchorState !== 'ok') throw new Error(`thread ${i}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    threadIds.push(body.id);
  }
  const createUsage = serverMeter.stop();
  const watched = watcher.doc.getMap<ThreadView>(REVIEW_DOC.threads);
  const until = performance.now() + 10_000;
  while (watched.size < anchors.length && performance.now() < until) await sleep(10);
  if (watched.size !== anchors.length) throw new Error(`the review room shows ${watched.size} threads, expected ${anchors.length}`);
  const first = summarize(createMs.slice(0, EDGE_THREADS));
  const last = summarize(createMs.slice(-EDGE_THREADS));
  record('reviewCreate', {
    server: server.name, pageKiB: Math.round(page.html.length / 1024), elements: page.elementCount, threads: anchors.length,
    first100P50: fix(first.p50), first100P99: fix(first.p99), last100P50: fix(last.p50), last100P99: fix(last.p99), last100Max: fix(last.max),
    cpuPercent: createUsage.cpuPercent, peakRssMiB: createUsage.peakRssMiB,
  });

  // 2. Live delivery: R stock y-websocket clients on the review room, in this process.
  // One joiner alone first (what opening the page costs), then the R readers at once.
  const singleStarted = performance.now();
  const single = await connect(server.wsBase, `${id}/review`, READER_TOKEN);
  const singleJoinMs = performance.now() - singleStarted;
  const reviewDocKiB = Math.round(Y.encodeStateAsUpdate(single.doc).length / 1024);
  single.destroy();
  const joinStarted = performance.now();
  const readers = await Promise.all(Array.from({ length: options.readers }, () => connect(server.wsBase, `${id}/review`, READER_TOKEN)));
  const maps = readers.map((r) => r.doc.getMap<ThreadView>(REVIEW_DOC.threads));
  const joinMs = performance.now() - joinStarted;
  if (maps.some((m) => m.size !== anchors.length)) throw new Error(`readers synced ${maps.map((m) => m.size).join(',')} threads, expected ${anchors.length}`);
  const sentAt = new Float64Array(options.replies).fill(Number.NaN);
  const arrivals = new Float64Array(options.replies * options.readers).fill(Number.NaN);
  let arrived = 0;
  const marker = /^bench reply (\d+)$/;
  maps.forEach((map, r) => {
    map.observe((event) => {
      const now = performance.now();
      for (const key of event.keysChanged) {
        for (const comment of map.get(key)?.comments ?? []) {
          const match = marker.exec(comment.text);
          if (!match) continue;
          const slot = Number(match[1]) * options.readers + r;
          if (Number.isNaN(arrivals[slot])) {
            arrivals[slot] = now;
            arrived++;
          }
        }
      }
    });
  });
  const serverMeter2 = new ProcessMeter(server.pid);
  const driverMeter = new ProcessMeter(process.pid);
  serverMeter2.start();
  driverMeter.start();
  const postMs: number[] = [];
  const start = performance.now();
  for (let i = 0; i < options.replies; i++) {
    await sleep(start + i * options.replyIntervalMs - performance.now());
    const threadId = threadIds[(i * 13) % threadIds.length];
    sentAt[i] = performance.now();
    const res = await fetch(`${server.httpBase}/api/v1/artifacts/${id}/threads/${threadId}/replies`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ text: `bench reply ${i}` }),
    });
    await res.arrayBuffer();
    postMs.push(performance.now() - sentAt[i]);
    if (res.status !== 201 && res.status !== 200) throw new Error(`reply ${i}: ${res.status}`);
  }
  const deadline = performance.now() + 30_000;
  while (arrived < arrivals.length && performance.now() < deadline) await sleep(20);
  const deliveryUsage = serverMeter2.stop();
  const driverCpu = driverMeter.stop().cpuPercent;
  const everyReader: number[] = [];
  const perReader: number[] = [];
  let complete = 0;
  for (let i = 0; i < options.replies; i++) {
    let latest = 0;
    let all = true;
    for (let r = 0; r < options.readers; r++) {
      const at = arrivals[i * options.readers + r];
      if (Number.isNaN(at)) all = false;
      else {
        perReader.push(at - sentAt[i]);
        latest = Math.max(latest, at - sentAt[i]);
      }
    }
    if (all) {
      complete++;
      everyReader.push(latest);
    }
  }
  const post = summarize(postMs);
  const every = summarize(everyReader);
  const each = summarize(perReader);
  record('reviewDelivery', {
    server: server.name, threads: anchors.length, readers: options.readers, replies: `${complete}/${options.replies}`,
    reviewDocKiB, oneJoinMs: Math.round(singleJoinMs), allJoinMs: Math.round(joinMs),
    postP50: fix(post.p50), postP99: fix(post.p99),
    everyReaderP50: fix(every.p50), everyReaderP99: fix(every.p99), eachReaderP50: fix(each.p50),
    cpuPercent: deliveryUsage.cpuPercent, peakRssMiB: deliveryUsage.peakRssMiB, benchProcessCpuPercent: driverCpu,
  });
  // What a browser resolves against: the threads as the review room has them.
  const views = Array.from(maps[0].values());
  for (const reader of readers) reader.destroy();
  watcher.destroy();

  // 2b. Replies nobody watches: with no client on the review room it is unloaded after each write
  // (the bench unloads idle rooms at once; the default is after 2 s), so each write loads it from
  // storage and reconciles it with the tables first.
  await sleep(1_000);
  const unwatchedMs: number[] = [];
  for (let i = 0; i < options.unwatchedReplies; i++) {
    await sleep(options.replyIntervalMs);
    const started = performance.now();
    const res = await fetch(`${server.httpBase}/api/v1/artifacts/${id}/threads/${threadIds[(i * 17 + 5) % threadIds.length]}/replies`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ text: `unwatched reply ${i}` }),
    });
    await res.arrayBuffer();
    unwatchedMs.push(performance.now() - started);
    if (res.status !== 201 && res.status !== 200) throw new Error(`unwatched reply ${i}: ${res.status}`);
  }
  const unwatched = summarize(unwatchedMs);
  record('reviewUnwatched', { server: server.name, threads: anchors.length, replies: options.unwatchedReplies, postP50: fix(unwatched.p50), postP99: fix(unwatched.p99) });

  // 3 + 4. The agent's read, and a client resolving every pin, on the page as written and after a rewrite.
  const rewritten = buildPage(1);
  for (const [label, html] of [['as written', page.html], ['rewritten', rewritten.html]] as const) {
    if (html !== page.html) {
      await putPage(server, id, html);
      const until = performance.now() + 10_000;
      while (text.toString() !== html && performance.now() < until) await sleep(10);
      if (text.toString() !== html) throw new Error('content client did not receive the rewrite');
    }
    const readMs: number[] = [];
    let states: Record<AnchorState, number> = { ok: 0, changed: 0, outdated: 0 };
    let responseBytes = 0;
    for (let i = 0; i < options.reads; i++) {
      const started = performance.now();
      const res = await fetch(`${server.httpBase}/api/v1/artifacts/${id}/threads`, { headers: auth });
      const raw = await res.text();
      readMs.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`GET threads ${res.status}`);
      if (i === 0) {
        responseBytes = raw.length;
        const items = (JSON.parse(raw) as { items: ThreadWithStateView[] }).items;
        if (items.length !== anchors.length) throw new Error(`GET threads gave ${items.length}`);
        states = { ok: 0, changed: 0, outdated: 0 };
        for (const item of items) states[item.anchorState!]++;
      }
    }
    const read = summarize(readMs);
    record('reviewRead', {
      server: server.name, page: label, threads: anchors.length,
      states: `${states.ok} ok / ${states.changed} changed / ${states.outdated} outdated`,
      responseKiB: Math.round(responseBytes / 1024), getP50: fix(read.p50), getP99: fix(read.p99),
    });
    // The browser's resolveAll (app/a/[id]/_review/use-anchor-states.ts): one scan, then resolveAnchor per pinned thread.
    const resolveMs: number[] = [];
    let clientStates = '';
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const elements = scanElements(text.toString());
      const counts: Record<AnchorState, number> = { ok: 0, changed: 0, outdated: 0 };
      for (const view of views) if (view.anchor) counts[resolveAnchor(text, view.anchor, elements).state]++;
      resolveMs.push(performance.now() - started);
      clientStates = `${counts.ok} ok / ${counts.changed} changed / ${counts.outdated} outdated`;
    }
    if (clientStates !== `${states.ok} ok / ${states.changed} changed / ${states.outdated} outdated`) {
      throw new Error(`client resolved ${clientStates}, server ${JSON.stringify(states)}`);
    }
    record('reviewResolve', { server: server.name, page: label, anchors: views.length, medianMs: fix(summarize(resolveMs).p50) });
  }
  content.destroy();
}

interface Target {
  tag: 'h2' | 'p' | 'li';
  ordinal: number;
  quote: string;
}

const SECTIONS = 180;
const PARAGRAPHS_PER_SECTION = 5;
const ITEMS_PER_SECTION = 6;
const WORDS = ['replica', 'backfill', 'latency', 'rollback', 'index', 'shard', 'cache', 'queue', 'flag', 'batch', 'lock', 'vacuum', 'partition', 'cursor', 'budget', 'alert'];

/** Deterministic words for element `n` of kind `salt`, revision `edit`. */
function words(n: number, salt: number, count: number, edit = 0): string {
  return Array.from({ length: count }, (_, w) => WORDS[(n * 31 + w * 7 + salt * 5 + edit * 11 + ((n * w) % 13)) % WORDS.length]).join(' ');
}

/**
 * ~200 KiB: 180 sections of a heading, five paragraphs and a six-item list
 * (2,160 elements to pin to, 2,520 in all). `rewrite` 1 is the agent's
 * later edit: in every fourth section the second paragraph's words are
 * rewritten (its pins become 'changed') and the fourth list item is
 * deleted (its pins become 'outdated').
 */
function buildPage(rewrite: 0 | 1): { html: string; targets: Target[]; elementCount: number } {
  const targets: Target[] = [];
  const ordinals = { h2: 0, p: 0, li: 0 };
  const add = (tag: Target['tag'], quote: string) => {
    targets.push({ tag, ordinal: ordinals[tag]++, quote });
    return `<${tag}>${quote}</${tag}>`;
  };
  const parts = ['<!doctype html><html><head><title>Migration plan</title></head><body><main>'];
  for (let s = 0; s < SECTIONS; s++) {
    const edited = rewrite === 1 && s % 4 === 0;
    parts.push(`<section>`, add('h2', `Step ${s + 1}: ${words(s, 1, 3)}`));
    for (let p = 0; p < PARAGRAPHS_PER_SECTION; p++) {
      parts.push(add('p', `Paragraph ${s}.${p}: ${words(s * 8 + p, 2, 16, edited && p === 1 ? 1 : 0)}.`));
    }
    parts.push('<ul>');
    for (let l = 0; l < ITEMS_PER_SECTION; l++) {
      if (edited && l === 3) continue;
      parts.push(add('li', `Item ${s}.${l}: ${words(s * 8 + l, 3, 6)}`));
    }
    parts.push('</ul>', '</section>');
  }
  parts.push('</main></body></html>');
  const html = parts.join('\n');
  return { html, targets, elementCount: scanElements(html).length };
}

async function putPage(server: BenchServer, id: string, html: string): Promise<void> {
  const res = await fetch(`${server.httpBase}/api/v1/artifacts/${id}/content`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${WRITER_TOKEN}`, 'content-type': 'text/html' },
    body: html,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`PUT content ${res.status}`);
}

interface Client {
  doc: Y.Doc;
  destroy(): void;
}

/** A stock y-websocket client on `room` (`<id>` or `<id>/review`), resolved once synced. */
async function connect(wsBase: string, room: string, token: string): Promise<Client> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(wsBase, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
  });
  await new Promise<void>((resolve) => provider.once('sync', () => resolve()));
  return {
    doc,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

function fix(value: number): number {
  return Math.round(value * 100) / 100;
}

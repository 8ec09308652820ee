import { ProcessMeter } from './proc';
import { ReaderPool } from './clients';
import { summarize } from './stats';
import { WRITER_TOKEN, type BenchServer } from './servers';

/**
 * One-paragraph `PUT`s on big pages (issue 13): a page of ~1 KiB paragraphs
 * (the versions scenario's), then `puts` PUTs that each rewrite one paragraph
 * (every word of it changes) and send the whole page again, one after
 * another, while one reader holds the page open (the room stays loaded, as
 * when someone watches). The body is encoded before the clock starts, so the
 * round trip is the server's work plus the local transfer of the page.
 * Reported: the round trip (p50/p99) and the server's CPU per PUT.
 */
export async function putBigPages(server: BenchServer, pageBytes: number, puts: number): Promise<Record<string, string | number>> {
  const id = await server.newRoom();
  const count = Math.max(1, Math.round(pageBytes / PARAGRAPH_BYTES));
  const paragraphs = Array.from({ length: count }, (_, i) => paragraph(i, 0));
  const encoder = new TextEncoder();
  const page = () => encoder.encode(`<!doctype html><html><body><main>\n${paragraphs.join('\n')}\n</main></body></html>`);
  const put = async (body: Uint8Array<ArrayBuffer>) => {
    const res = await fetch(`${server.httpBase}/api/v1/artifacts/${id}/content`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${WRITER_TOKEN}`, 'content-type': 'text/html' },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`PUT ${res.status}`);
  };
  const first = page();
  await put(first);
  // Resolves once the reader holds the whole page: its join is not part of what is measured.
  const pool = await ReaderPool.open(`${server.wsBase}/${id}${server.readerQuery}`, 1);
  const rewrite = (i: number) => {
    const target = (i * 389) % count;
    paragraphs[target] = paragraph(target, i);
    return page();
  };
  // A few unmeasured writes first, so the figures are of a warm server, not of its first compilations.
  for (let i = 1; i <= WARM_UP_PUTS; i++) await put(rewrite(i));
  const meter = new ProcessMeter(server.pid);
  const roundTrips: number[] = [];
  meter.start();
  for (let i = WARM_UP_PUTS + 1; i <= WARM_UP_PUTS + puts; i++) {
    const body = rewrite(i);
    const started = performance.now();
    await put(body);
    roundTrips.push(performance.now() - started);
  }
  const usage = meter.stop();
  await pool.close();
  const rt = summarize(roundTrips);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    server: server.name,
    pageKiB: Math.round(first.byteLength / 1024),
    puts,
    changeBytes: Buffer.byteLength(paragraph(0, 1)),
    putP50: round(rt.p50),
    putP99: round(rt.p99),
    serverCpuMsPerPut: round((usage.cpuSeconds * 1000) / puts),
    peakRssMiB: usage.peakRssMiB,
  };
}

const PARAGRAPH_BYTES = 1_040;
const WARM_UP_PUTS = 5;

/** About 1 KiB of text (as bench/versions.ts): `edit` changes every word. */
function paragraph(i: number, edit: number): string {
  const words = Array.from({ length: 200 }, (_, w) => `w${(i * 31 + w * 7 + edit * 13) % 997}`).join(' ');
  return `<p id="p${i}" class="finding">${words}</p>`;
}

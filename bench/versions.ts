import { join } from 'node:path';
import Database from 'better-sqlite3';
import { summarize } from './stats';
import { WRITER_TOKEN, type BenchServer } from './servers';

/**
 * Version storage: a ~1 MiB page, then `count` versions each changing about
 * 1 KiB (one paragraph rewritten), through the real API (PUT the page, POST a
 * checkpoint). Records the bytes the versions take in the SQLite file and
 * the time to read the oldest, a middle and the newest version back over HTTP.
 */
export async function versionStorage(server: BenchServer, count: number): Promise<Record<string, string | number>> {
  const auth = { authorization: `Bearer ${WRITER_TOKEN}` };
  const id = await server.newRoom();
  const paragraphs = Array.from({ length: 1024 }, (_, i) => paragraph(i, 0));
  const page = () => `<!doctype html><html><body><main>\n${paragraphs.join('\n')}\n</main></body></html>`;
  const put = async () => {
    const res = await fetch(`${server.httpBase}/api/v1/artifacts/${id}/content`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'text/html' },
      body: page(),
    });
    if (res.status !== 200) throw new Error(`PUT ${res.status}`);
  };
  const checkpoint = async (message: string) => {
    const res = await fetch(`${server.httpBase}/api/v1/artifacts/${id}/versions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    });
    // 200: an automatic version (the stream went quiet) already holds this page, which is as good.
    if (res.status !== 201 && res.status !== 200) throw new Error(`checkpoint ${res.status}`);
  };
  await put();
  await checkpoint('base');
  const pageBytes = Buffer.byteLength(page());
  const startedAt = performance.now();
  for (let v = 1; v < count; v++) {
    const target = (v * 389) % paragraphs.length;
    paragraphs[target] = paragraph(target, v);
    await put();
    await checkpoint(`edit ${v}`);
  }
  const cutMsPerVersion = (performance.now() - startedAt) / Math.max(1, count - 1);
  const readMs = async (n: number) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const res = await fetch(`${server.httpBase}/api/v1/artifacts/${id}/versions/${n}/content`, { headers: auth });
      await res.arrayBuffer();
      times.push(performance.now() - start);
    }
    return summarize(times).p50;
  };
  const oldest = await readMs(1);
  const middle = await readMs(Math.ceil(count / 2));
  const newest = await readMs(count);
  const db = new Database(join(server.dataDir!, 'loupe.db'), { readonly: true, fileMustExist: true });
  let payload: number;
  let onDisk: number;
  let keyframes: number;
  try {
    const row = db.prepare('SELECT SUM(length(data)) AS bytes, SUM(keyframe) AS keyframes FROM versions WHERE artifact_id = ?').get(id) as {
      bytes: number;
      keyframes: number;
    };
    payload = row.bytes;
    keyframes = row.keyframes;
    // Pages the versions table and its index occupy in the file (the whole table holds only this artifact's versions).
    onDisk = (db.prepare("SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name IN ('versions', 'sqlite_autoindex_versions_1')").get() as { bytes: number }).bytes;
  } finally {
    db.close();
  }
  const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;
  const row = {
    server: server.name,
    versions: count,
    pageMiB: mib(pageBytes),
    onDiskMiB: mib(onDisk),
    payloadMiB: mib(payload),
    keyframes,
    readOldestMs: Math.round(oldest * 10) / 10,
    readMiddleMs: Math.round(middle * 10) / 10,
    readNewestMs: Math.round(newest * 10) / 10,
    cutMsPerVersion: Math.round(cutMsPerVersion * 10) / 10,
  };
  return row;
}

/** About 1 KiB of text per paragraph; `edit` changes its words. */
function paragraph(i: number, edit: number): string {
  const words = Array.from({ length: 200 }, (_, w) => `w${(i * 31 + w * 7 + edit * 13) % 997}`).join(' ');
  return `<p id="p${i}" class="finding">${words}</p>`;
}

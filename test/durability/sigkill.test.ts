import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { AGENT_TOKEN } from '../helpers/loupe';
import { spawnChildLoupe } from '../helpers/spawn-child';
import { CloseCode } from '../../lib/protocol/close-codes';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const started = await spawnChildLoupe(dataDir);
  children.push(started.child);
  return started;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const auth = { authorization: `Bearer ${AGENT_TOKEN}` };

describe('durability', () => {
  it('keeps every acknowledged write across SIGKILL right after the 200', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loupe-kill-'));
    try {
      let { child, url } = await startChild(dataDir);
      const created = await fetch(`${url}/api/v1/artifacts`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'durable', html: '<p>0</p>' }),
      });
      const { id } = (await created.json()) as { id: string };
      let expected = '';
      for (let i = 1; i <= 20; i++) {
        expected = Array.from({ length: i }, (_, k) => `<p>${k}</p>`).join('\n');
        const res = await fetch(`${url}/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { ...auth, 'content-type': 'text/html' }, body: expected });
        expect(res.status).toBe(200);
      }
      // Killed the instant the last 200 arrived: no graceful flush, no compaction on unload.
      await killed(child);
      ({ child, url } = await startChild(dataDir));
      const after = await fetch(`${url}/api/v1/artifacts/${id}/content`, { headers: auth });
      expect(await after.text()).toBe(expected);
      await killed(child);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('on SIGTERM closes live sockets with a named code, flushes and exits cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loupe-term-'));
    try {
      let { child, url } = await startChild(dataDir);
      const created = await fetch(`${url}/api/v1/artifacts`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'graceful', html: '<p>before</p>' }),
      });
      const { id } = (await created.json()) as { id: string };
      const ws = new WebSocket(`${url.replace('http', 'ws')}/collab/${id}?token=${AGENT_TOKEN}`);
      await new Promise((resolve) => ws.on('open', resolve));
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await closed).toBe(CloseCode.SHUTTING_DOWN);
      expect(await exited).toBe(0);
      ({ child, url } = await startChild(dataDir));
      expect(await (await fetch(`${url}/api/v1/artifacts/${id}/content`, { headers: auth })).text()).toBe('<p>before</p>');
      await killed(child);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

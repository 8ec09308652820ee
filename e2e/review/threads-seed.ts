import { expect, type APIRequestContext } from '@playwright/test';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { createAnchor, type PickedTarget } from '../../lib/review/anchor';
import type { AnchorInput } from '../../lib/review/types';
import type { ApiCall, LoupeProcess } from '../fixtures/server';
import { callAs } from './inbox-seed';

/**
 * Seeding threads for the review specs and captures: anchors made the way
 * the app makes them (from a synced copy of the page, through createAnchor),
 * and threads, replies, reactions and "addressed" through the API.
 */

/** The review pages' top: styles, header and the steps list (the page is left open after it). */
export function reviewPageHead(batch = '10k'): string {
  return `<!doctype html>
<html>
<head>
<style>
body{font:16px/1.6 system-ui,sans-serif;margin:0;color:#1d2330;background:#fff}
header{padding:32px 44px;background:linear-gradient(120deg,#0f766e,#1e3a8a);color:#fff}
header h1{margin:0 0 6px;font-size:28px}
main{padding:12px 44px 40px;max-width:860px}
li{margin:6px 0}
</style>
</head>
<body>
<header><h1>Split the events table</h1><div>Owner: platform team</div></header>
<main>
<h2>Steps</h2>
<ol>
<li>Ship the events split behind a flag.</li>
<li>Backfill in batches of ${batch} rows.</li>
<li>Watch p99 latency for a day.</li>
</ol>
`;
}

/** What the rollback step says; pinned to in the specs. */
export const ROLLBACK_TEXT = 'Flip the flag off; the old table keeps taking writes until the cut-over.';

export const ROLLBACK_STEP = `<h2>Rollback</h2>
<p id="rollback">${ROLLBACK_TEXT}</p>
`;

/** The review pages' end: ten paragraphs of context, so there is somewhere to scroll. */
export const REVIEW_PAGE_TAIL = `${Array.from({ length: 10 }, (_, i) => `<p>Context ${i + 1}: notes the agent gathered while planning, kept for the reviewer.</p>`).join('\n')}
</main>
</body>
</html>
`;

/** A page with enough structure to pin to: headings, paragraphs, a list. */
export function reviewPage(options: { batch?: string; withRisks?: boolean } = {}): string {
  const risks = options.withRisks === false ? '' : '<h2>Risks</h2>\n<p id="risks">Replication lag could spike while the backfill runs.</p>\n';
  return reviewPageHead(options.batch) + risks + ROLLBACK_STEP + REVIEW_PAGE_TAIL;
}

/** Makes an anchor the way the app does, from a synced copy of the page (read over the agent's token). */
export async function anchorFor(loupe: LoupeProcess, artifactId: string, target: Omit<PickedTarget, 'selector' | 'prefix' | 'suffix'> & Partial<PickedTarget>): Promise<AnchorInput> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${loupe.url.replace(/^http/, 'ws')}/collab`, artifactId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token: loupe.token },
    disableBc: true,
  });
  try {
    if (!provider.synced) await new Promise<void>((resolve) => provider.once('sync', () => resolve()));
    return createAnchor(doc.getText('html'), {
      selector: `${target.tag}:nth-of-type(${target.ordinal + 1})`,
      prefix: '',
      suffix: '',
      ...target,
    });
  } finally {
    provider.destroy();
    doc.destroy();
  }
}

export interface SeededThread {
  id: string;
  comments: Array<{ id: string }>;
}

/** Starts a thread as the person signed in to `request` (markdown `text`; `@email` mentions). */
export async function threadAs(request: APIRequestContext, loupe: LoupeProcess, artifactId: string, text: string, anchor: AnchorInput | null = null): Promise<SeededThread> {
  return (await callAs(request, loupe, 'POST', `/api/v1/artifacts/${artifactId}/threads`, { text, anchor })) as unknown as SeededThread;
}

export async function replyAs(request: APIRequestContext, loupe: LoupeProcess, artifactId: string, threadId: string, text: string): Promise<SeededThread> {
  return (await callAs(request, loupe, 'POST', `/api/v1/artifacts/${artifactId}/threads/${threadId}/replies`, { text })) as unknown as SeededThread;
}

export async function reactAs(request: APIRequestContext, loupe: LoupeProcess, artifactId: string, commentId: string, key: string): Promise<void> {
  await callAs(request, loupe, 'PUT', `/api/v1/artifacts/${artifactId}/comments/${commentId}/reactions/${encodeURIComponent(key)}`);
}

/** The agent (bearer token) says a thread is dealt with in the page as it stands. */
export async function markAddressed(api: ApiCall, artifactId: string, threadId: string, note: string): Promise<void> {
  const response = await api(`/api/v1/artifacts/${artifactId}/threads/${threadId}/addressed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ note }),
  });
  expect(response.status, `addressed: ${await response.clone().text()}`).toBe(200);
}

/** The agent comments (bearer token). */
export async function agentThread(api: ApiCall, artifactId: string, text: string): Promise<SeededThread> {
  const response = await api(`/api/v1/artifacts/${artifactId}/threads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  expect(response.status, `agent thread: ${await response.clone().text()}`).toBe(201);
  return (await response.json()) as SeededThread;
}

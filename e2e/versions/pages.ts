import { expect } from '@playwright/test';
import { putContent, type ApiCall } from '../fixtures/server';

/** Three versions of one page, each changing something a reviewer can see. */
export const VERSION_PAGES = [
  { message: 'First draft of the rollout plan', html: page('Rollout plan', ['Ship the events split behind a flag.', 'Backfill in batches of 10k rows.', 'Watch p99 latency for a day.'], 'Owner: platform team') },
  {
    message: 'Add the rollback step',
    html: page('Rollout plan', ['Ship the events split behind a flag.', 'Backfill in batches of 10k rows.', 'Watch p99 latency for a day.', 'Rollback: flip the flag and drop the new table.'], 'Owner: platform team'),
  },
  {
    message: 'Smaller batches after review',
    html: page('Rollout plan, reviewed', ['Ship the events split behind a flag.', 'Backfill in batches of 2k rows, paced.', 'Watch p99 latency for a day.', 'Rollback: flip the flag and drop the new table.'], 'Owner: platform team, reviewed by Grace'),
  },
] as const;

function page(title: string, steps: readonly string[], owner: string): string {
  const filler = Array.from({ length: 14 }, (_, i) => `<p>Context ${i + 1}: notes the agent gathered while planning this change, kept for the reviewer.</p>`).join('\n');
  return `<!doctype html>
<html>
<head>
<style>
body{font:16px/1.6 system-ui,sans-serif;margin:0;color:#1d2330;background:#fff}
header{padding:32px 44px;background:linear-gradient(120deg,#0f766e,#1e3a8a);color:#fff}
header h1{margin:0 0 6px;font-size:28px}
main{padding:20px 44px;max-width:860px}
li{margin:6px 0}
</style>
</head>
<body>
<header><h1>${title}</h1><div>${owner}</div></header>
<main>
<h2>Steps</h2>
<ol>
${steps.map((step) => `<li>${step}</li>`).join('\n')}
</ol>
${filler}
</main>
</body>
</html>
`;
}

/** As the agent: PUT the page, then cut a named version with a message. Returns the version number. */
export async function pushVersion(api: ApiCall, id: string, html: string, message: string): Promise<number> {
  await putContent(api, id, html);
  const response = await api(`/api/v1/artifacts/${id}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  });
  expect(response.status, `POST versions: ${await response.clone().text()}`).toBe(201);
  const body = (await response.json()) as { n: number };
  return body.n;
}

import { expect, type APIRequestContext } from '@playwright/test';
import type { LoupeProcess } from '../fixtures/server';

/**
 * Seeding for the review status and inbox specs and captures: people's API
 * calls over a signed-in context's cookie (mutations carry the app's Origin,
 * as the browser's would), and joining the organization through an invitation.
 */

export interface Account {
  name: string;
  email: string;
  password: string;
}

/** Calls the API as the person signed in to `request`'s context; fails the test on any non-2xx. */
export async function callAs(request: APIRequestContext, loupe: LoupeProcess, method: string, path: string, data?: unknown): Promise<Record<string, unknown> | null> {
  const response = await request.fetch(loupe.url + path, {
    method,
    headers: { origin: loupe.url, ...(data === undefined ? {} : { 'content-type': 'application/json' }) },
    data: data === undefined ? undefined : JSON.stringify(data),
  });
  expect(response.status(), `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
  return response.status() === 204 ? null : ((await response.json()) as Record<string, unknown>);
}

/** An admin invites `account` as a member; the account accepts (a new user joins the organization). */
export async function addMember(adminRequest: APIRequestContext, loupe: LoupeProcess, account: Account, role: 'member' | 'viewer' = 'member'): Promise<void> {
  const created = (await callAs(adminRequest, loupe, 'POST', '/api/v1/org/invitations', { role })) as { url: string };
  const secret = new URL(created.url).pathname.split('/').pop() ?? '';
  const response = await fetch(`${loupe.url}/api/v1/invitations/${secret}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

/** Publishes an agent's draft to the whole organization, so every member can review it. */
export async function publishToOrg(adminRequest: APIRequestContext, loupe: LoupeProcess, artifactId: string): Promise<void> {
  await callAs(adminRequest, loupe, 'POST', `/api/v1/artifacts/${artifactId}/publish`, { visibility: 'org' });
}

/** Starts a thread on the whole page; `text` is markdown, so `@email` mentions. Returns the thread id. */
export async function startThread(request: APIRequestContext, loupe: LoupeProcess, artifactId: string, text: string): Promise<string> {
  const thread = (await callAs(request, loupe, 'POST', `/api/v1/artifacts/${artifactId}/threads`, { text })) as { id: string };
  return thread.id;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isVerifiedGithubEmail } from '../../lib/auth/github-email';

/**
 * GitHub sign-in matches people to Loupe accounts (and to invitations made
 * for an address) by email, so only an address GitHub verified may count.
 * A stand-in for GitHub's `GET /user/emails`, on a real port.
 */
describe('GitHub sign-in: only a verified address counts', () => {
  let server: http.Server;
  let base: string;
  const EMAILS: Record<string, unknown> = {
    'token-squatter': [
      // A fresh GitHub account registered with someone else's address: primary, never verified.
      { email: 'victim@example.com', verified: false, primary: true, visibility: null },
      { email: 'squatter@example.net', verified: true, primary: false, visibility: null },
    ],
    'token-owner': [{ email: 'Victim@Example.com', verified: true, primary: true, visibility: 'private' }],
    'token-garbage': { message: 'not a list' },
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (req.url !== '/user/emails' || !(token in EMAILS)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Bad credentials"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(EMAILS[token]));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses an unverified primary address, and accepts one GitHub verified (compared as accounts store emails)', async () => {
    expect(await isVerifiedGithubEmail('token-squatter', 'victim@example.com', base)).toBe(false);
    expect(await isVerifiedGithubEmail('token-squatter', 'squatter@example.net', base)).toBe(true);
    expect(await isVerifiedGithubEmail('token-owner', 'victim@example.com', base)).toBe(true);
  });

  it('refuses when GitHub does not answer with a list, refuses the token, or cannot be reached', async () => {
    expect(await isVerifiedGithubEmail('token-garbage', 'victim@example.com', base)).toBe(false);
    expect(await isVerifiedGithubEmail('token-unknown', 'victim@example.com', base)).toBe(false);
    expect(await isVerifiedGithubEmail(undefined, 'victim@example.com', base)).toBe(false);
    expect(await isVerifiedGithubEmail('token-owner', 'victim@example.com', 'http://127.0.0.1:1')).toBe(false);
  });
});

import { createHash, createPublicKey, randomBytes, verify, type JsonWebKey } from 'node:crypto';
import type { Page } from '@playwright/test';
import { startOidcProvider, type IdpUser, type OidcProvider } from '../fixtures/oidc-provider';
import { ADMIN_EMAIL, expect, startLoupe, test as loupeTest, type LoupeProcess } from '../fixtures/server';

/**
 * Single sign-on end to end, with no network beyond the loopback: a real
 * Loupe configured with OIDC_* pointing at a small OpenID Connect provider
 * that vouches for whoever each test says. The browser goes Loupe → IdP
 * (/authorize) → Loupe's callback; Loupe's server exchanges the code at the
 * IdP's /token (client secret, PKCE) and reads the RS256 ID token.
 */

const test = loupeTest.extend<object, { idp: OidcProvider }>({
  idp: [
    async ({}, use) => {
      const idp = await startOidcProvider();
      try {
        await use(idp);
      } finally {
        await idp.close();
      }
    },
    { scope: 'worker' },
  ],
  // This file's Loupe trusts the IdP; other specs keep the plain one.
  loupe: [
    async ({ idp }, use) => {
      const { loupe, stop } = await startLoupe({
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: idp.clientId,
        OIDC_CLIENT_SECRET: idp.clientSecret,
        OIDC_NAME: 'Acme SSO',
      });
      try {
        await use(loupe);
      } finally {
        await stop();
      }
    },
    { scope: 'worker', timeout: 300_000 },
  ],
});

/** From the sign-in page, as the person the IdP vouches for. */
async function continueWithSso(page: Page, idp: OidcProvider, user: IdpUser): Promise<void> {
  idp.vouchFor(user);
  await page.goto('/signin');
  const button = page.getByRole('button', { name: 'Continue with Acme SSO' });
  await expect(button).toBeVisible();
  await button.click();
}

/** GET /api/v1/me with the page's cookies. */
async function me(page: Page, loupe: LoupeProcess): Promise<{ status: number; email?: string }> {
  const response = await page.request.get(`${loupe.url}/api/v1/me`);
  if (response.status() !== 200) return { status: response.status() };
  const body = (await response.json()) as { user: { email?: string } };
  return { status: 200, email: body.user.email };
}

test.describe('single sign-on through an OpenID Connect provider', () => {
  test.beforeEach(({ idp }) => {
    idp.events.length = 0;
  });

  test('someone new the IdP vouches for is signed in, with no organization yet', async ({ page, idp, loupe }) => {
    await continueWithSso(page, idp, { email: 'newcomer@acme.test', name: 'Nia Newcomer', email_verified: true });

    await expect(page).toHaveURL(`${loupe.url}/no-org`);

    // Loupe did its part of the protocol: PKCE, state and nonce on the way out, a secret-authenticated code exchange on the way back.
    const authorize = idp.events.find((event) => event.type === 'authorize');
    expect(authorize, JSON.stringify(idp.events)).toMatchObject({ pkce: true, redirectUri: `${loupe.url}/api/auth/callback/oidc` });
    // …and state (login CSRF) and a nonce (binding the ID token to this sign-in).
    expect(authorize).toMatchObject({ state: expect.any(String), nonce: expect.any(String) });
    expect(idp.events.find((event) => event.type === 'token')).toMatchObject({ pkce: true, email: 'newcomer@acme.test' });
    expect(idp.events.filter((event) => event.type === 'error')).toEqual([]);
  });

  test('the existing admin signing in through the IdP lands in the gallery as themselves', async ({ page, idp, loupe }) => {
    await continueWithSso(page, idp, { email: ADMIN_EMAIL, name: 'Admin at Acme', email_verified: true });

    await expect(page).toHaveURL(`${loupe.url}/`);
    await expect(page.getByRole('heading', { name: 'Artifacts', level: 1 })).toBeVisible();
    expect(await me(page, loupe)).toEqual({ status: 200, email: ADMIN_EMAIL });
  });

  test('an IdP that does not vouch for the email is refused: back on sign-in with an error, no session', async ({ page, idp, loupe }) => {
    await continueWithSso(page, idp, { email: ADMIN_EMAIL, name: 'Someone', email_verified: false });

    await expect(page).toHaveURL(new RegExp(`^${escapeRegExp(loupe.url)}/signin\\?(.*&)?error=AccessDenied`));
    await expect(page.getByRole('alert').filter({ hasText: 'did not share a verified email address' })).toBeVisible();
    // The IdP did issue tokens; Loupe is the one that said no.
    expect(idp.events.find((event) => event.type === 'token')).toMatchObject({ email: ADMIN_EMAIL });
    expect(await me(page, loupe)).toEqual({ status: 401 });
  });
});

/**
 * The IdP on its own, over HTTP, for the parts Loupe's flow does not reach
 * (state and nonce are echoed, refusals are the spec's): a fixture that
 * passed everything would prove nothing.
 */
test.describe('the test OpenID Connect provider', () => {
  const REDIRECT = 'http://localhost:9/callback';

  test('speaks the protocol: discovery, PKCE, nonce, one-time codes, client auth, RS256 tokens, userinfo', async ({ idp }) => {
    idp.vouchFor({ email: 'Pat@Acme.test', name: 'Pat', email_verified: true });
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: idp.issuer,
      authorization_endpoint: `${idp.issuer}/authorize`,
      token_endpoint: `${idp.issuer}/token`,
      userinfo_endpoint: `${idp.issuer}/userinfo`,
      jwks_uri: `${idp.issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
    });

    const authorize = async (params: Record<string, string>) => {
      const url = new URL(`${idp.issuer}/authorize`);
      for (const [key, value] of Object.entries({ response_type: 'code', client_id: idp.clientId, redirect_uri: REDIRECT, scope: 'openid email', ...params })) {
        url.searchParams.set(key, value);
      }
      const response = await fetch(url, { redirect: 'manual' });
      return { status: response.status, location: new URL(response.headers.get('location') ?? 'about:blank') };
    };
    const exchange = (form: Record<string, string>, basic = true) =>
      fetch(`${idp.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(basic ? { authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString('base64')}` } : {}),
        },
        body: new URLSearchParams({ grant_type: 'authorization_code', redirect_uri: REDIRECT, ...form }),
      });

    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };

    // Without PKCE the request is refused back at the client, state kept.
    const noPkce = await authorize({ state: 's0' });
    expect(noPkce.status).toBe(302);
    expect(Object.fromEntries(noPkce.location.searchParams)).toMatchObject({ error: 'invalid_request', state: 's0' });
    // An unknown redirect_uri is never redirected to.
    expect((await authorize({ ...pkce, redirect_uri: 'https://evil.example/cb' })).status).toBe(400);

    // A wrong verifier is refused, and the code is spent by the attempt.
    const first = await authorize({ ...pkce, state: 's1', nonce: 'n1' });
    expect(first.location.origin + first.location.pathname).toBe(REDIRECT);
    expect(first.location.searchParams.get('state')).toBe('s1');
    expect(first.location.searchParams.get('iss')).toBe(idp.issuer);
    const firstCode = first.location.searchParams.get('code') ?? '';
    const wrongVerifier = await exchange({ code: firstCode, code_verifier: randomBytes(32).toString('base64url') });
    expect([wrongVerifier.status, ((await wrongVerifier.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
    expect((await exchange({ code: firstCode, code_verifier: verifier })).status).toBe(400);

    // Bad client credentials: 401 invalid_client.
    const second = await authorize({ ...pkce, state: 's2', nonce: 'n2' });
    const code = second.location.searchParams.get('code') ?? '';
    const badSecret = await exchange({ code, code_verifier: verifier, client_id: idp.clientId, client_secret: 'wrong' }, false);
    expect([badSecret.status, ((await badSecret.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);

    // The right verifier, client_secret_post: tokens, and the ID token carries the nonce.
    const third = await authorize({ ...pkce, state: 's3', nonce: 'n3' });
    const goodCode = third.location.searchParams.get('code') ?? '';
    const good = await exchange({ code: goodCode, code_verifier: verifier, client_id: idp.clientId, client_secret: idp.clientSecret }, false);
    expect(good.status).toBe(200);
    expect(good.headers.get('cache-control')).toBe('no-store');
    const tokens = (await good.json()) as { access_token: string; token_type: string; id_token: string };
    expect(tokens.token_type).toBe('Bearer');
    const [header, payload, signature] = tokens.id_token.split('.');
    const { keys } = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Array<JsonWebKey & { kid: string }> };
    const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string; kid: string };
    expect(head.alg).toBe('RS256');
    const key = keys.find((candidate) => candidate.kid === head.kid);
    expect(key, 'the signing key is published').toBeTruthy();
    const publicKey = createPublicKey({ key: key!, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: idp.issuer, aud: idp.clientId, nonce: 'n3', email: 'Pat@Acme.test', email_verified: true, name: 'Pat' });
    expect(typeof claims.sub).toBe('string');
    expect(claims.exp as number).toBeGreaterThan(claims.iat as number);
    // Codes are single use.
    expect((await exchange({ code: goodCode, code_verifier: verifier })).status).toBe(400);

    const info = await fetch(`${idp.issuer}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await info.json()).toEqual({ sub: claims.sub, email: 'Pat@Acme.test', email_verified: true, name: 'Pat' });
    const anonymous = await fetch(`${idp.issuer}/userinfo`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

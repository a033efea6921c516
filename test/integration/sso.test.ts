import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdTokenVerifier } from '../../functions/core/sso/id-token.ts';
import { ProviderHttp } from '../../functions/core/sso/provider-http.ts';
import {
  startOpenIdProvider,
  type OpenIdProviderFixture,
  type ProviderAccount,
} from '../support/openid-provider.ts';
import { demo, postJson, ticketCookieOf } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

const client = { clientId: 'communicator', clientSecret: 'communicator-secret' };
const otherApp = { clientId: 'other-app', clientSecret: 'other-app-secret' };
const signOutPage = '/?signed-out';

const account = (id: string, email: string, extra: Record<string, unknown> = {}): ProviderAccount => ({
  id,
  password: `${id}-idp-pass`,
  claims: { email, email_verified: true, name: id, preferred_username: email, ...extra },
});
const alice = account('alice', 'alice@contoso.com');
const carol = account('carol', 'carol@contoso.com');
const erin = account('erin', 'erin@contoso.com');
const mallory = account('mallory', 'mallory@contoso.com');
const unverified = account('unverified', 'bob@contoso.com', { email_verified: false });

let op: OpenIdProviderFixture;
let rt: TestRuntime;
/**
 * Each site at its canonical public origin (`http://localhost:PORT`), where the provider sends
 * browsers back; `/auth/sso` on another of its origins first sends the browser there.
 */
let site: { internal: string; external: string };

before(async () => {
  op = await startOpenIdProvider([alice, carol, erin, mallory, unverified]);
  rt = await startTestRuntime({
    handlerSettings: {
      SSO_ISSUER: op.issuer,
      SSO_CLIENT_ID: client.clientId,
      SSO_CLIENT_SECRET: client.clientSecret,
      SSO_IDLE_SECONDS_EXTERNAL: '3',
      SSO_PERSISTENT_COOKIE_SECONDS_EXTERNAL: '3600',
      SIGNOUT_PAGE_URL: signOutPage,
    },
  });
  site = { internal: rt.internalUrl, external: rt.externalUrl };
  const origins = [rt.internal, rt.external, rt.internalUrl, rt.externalUrl];
  await op.configure([
    {
      ...client,
      redirectUris: origins.map((o) => `${o}/auth/sso/callback`),
      postLogoutRedirectUris: origins.map((o) => `${o}${signOutPage}`),
    },
    { ...otherApp, redirectUris: ['http://127.0.0.1:9/other-app/callback'], postLogoutRedirectUris: [] },
  ]);
});
after(async () => {
  await rt?.close();
  await op?.close();
});

interface Started {
  readonly location: URL;
  /** `name=value` of the SSO state cookie. */
  readonly stateCookie: string;
  readonly setCookie: string;
}

async function startSso(base: string, cookie?: string): Promise<Started> {
  const response = await fetch(`${base}/auth/sso`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  assert.equal(response.status, 303, await response.clone().text());
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('__Host-cwa-sso-state-')) ?? '';
  return {
    location: new URL(response.headers.get('location') ?? ''),
    stateCookie: setCookie.split(';')[0] ?? '',
    setCookie,
  };
}

function callback(url: string, cookie: string | undefined, accept = 'application/json') {
  return fetch(url, { redirect: 'manual', headers: { accept, ...(cookie ? { cookie } : {}) } });
}

/** A request with exactly the `Host` and headers given, as any client (not a browser) can send it. */
function sendAs(
  url: string,
  options: { method?: string; headers: Record<string, string> },
): Promise<{ status: number; location: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, location: response.headers.location ?? '' }),
      );
    });
    sent.on('error', reject).setTimeout(10_000, () => sent.destroy(new Error('no answer in 10 s')));
    sent.end();
  });
}

async function expectError(response: Response, status: number, code: string) {
  assert.equal(response.status, status, `expected ${status} ${code}`);
  const body = (await response.json()) as { error: string; message: string };
  assert.equal(body.error, code, body.message);
  assert.ok(body.message.length > 0);
}

/** Signs `who` in on `base` through the provider; answers the callback response. */
async function signInWithSso(base: string, who: ProviderAccount, accept = 'text/html'): Promise<Response> {
  const started = await startSso(base);
  const back = await op.authorize(started.location.href, who);
  return callback(back, started.stateCookie, accept);
}

describe('single sign-on: provider down', () => {
  it('answers 503 sso_provider_unavailable with a page saying so, not a 500, when the provider cannot be reached', async () => {
    op.setDown(true);
    try {
      const page = await fetch(`${site.internal}/auth/sso`, {
        redirect: 'manual',
        headers: { accept: 'text/html' },
      });
      assert.equal(page.status, 503);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await page.text(), /identity provider could not be reached/);
      const api = await fetch(`${site.internal}/auth/sso`, { redirect: 'manual' });
      await expectError(api, 503, 'sso_provider_unavailable');
    } finally {
      op.setDown(false);
    }
  });

  it('answers 503 sso_provider_unavailable when the provider goes down before the code is redeemed', async () => {
    const started = await startSso(site.internal);
    const back = await op.authorize(started.location.href, alice);
    op.setDown(true);
    try {
      await expectError(await callback(back, started.stateCookie), 503, 'sso_provider_unavailable');
    } finally {
      op.setDown(false);
    }
  });
});

describe('single sign-on: signing in', () => {
  it('links single sign-on from the chooser of both sites', async () => {
    for (const base of [site.internal, site.external]) {
      assert.match(await (await fetch(`${base}/`)).text(), /href="\/auth\/sso"/);
    }
  });

  it('sends the browser to the provider with PKCE (S256), state and nonce, the state in a Lax cookie', async () => {
    const { location, setCookie } = await startSso(site.internal);

    assert.equal(location.origin, op.issuer);
    const params = location.searchParams;
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('client_id'), client.clientId);
    assert.equal(params.get('redirect_uri'), `${site.internal}/auth/sso/callback`);
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.match(params.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.match(params.get('state') ?? '', /^[\w-]{43}$/);
    assert.match(params.get('nonce') ?? '', /^[\w-]{43}$/);
    assert.match(params.get('scope') ?? '', /\bopenid\b/);
    assert.equal(params.get('prompt'), null);
    assert.match(setCookie, /^__Host-cwa-sso-state-internal=/);
    assert.match(setCookie, /SameSite=Lax/i);
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /Secure/i);
    assert.match(setCookie, /Path=\//);
  });

  it('names the site’s own public origin as redirect_uri, whatever Host or X-Forwarded-Host the request gives', async () => {
    const port = new URL(site.internal).port;
    const forged: Record<string, string>[] = [
      { host: `evil.example:${port}` },
      { host: new URL(site.internal).host, 'x-forwarded-host': `evil.example:${port}` },
      { host: `evil.example:${port}`, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    ];
    for (const headers of forged) {
      const started = await sendAs(`${rt.internal}/auth/sso`, { headers });

      assert.equal(started.status, 303, JSON.stringify(headers));
      const location = new URL(started.location);
      assert.equal(location.origin, op.issuer, JSON.stringify(headers));
      assert.equal(location.searchParams.get('redirect_uri'), `${site.internal}/auth/sso/callback`);
    }
  });

  it('sends a browser that came to 127.0.0.1 to the canonical origin first, where the callback will read its state', async () => {
    for (const [other, canonical] of [
      [rt.internal, site.internal],
      [rt.external, site.external],
    ] as const) {
      assert.notEqual(other, canonical);

      const response = await fetch(`${other}/auth/sso`, { redirect: 'manual' });

      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), `${canonical}/auth/sso`);
      assert.equal(response.headers.getSetCookie().length, 0, 'no state cookie on the wrong origin');
    }
  });

  it('signs the user in: the ticket cookie stays strict and session-only, and the session says sso', async () => {
    const response = await signInWithSso(site.internal, alice);

    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/app/');
    const cookies = response.headers.getSetCookie();
    const ticket = cookies.find((c) => c.startsWith('__Host-cwa-ticket-internal=')) ?? '';
    assert.match(ticket, /SameSite=Strict/i);
    assert.doesNotMatch(ticket, /Max-Age|Expires/i);
    assert.ok(
      cookies.some((c) => /^__Host-cwa-sso-state-internal=;/.test(c)),
      'the state cookie is cleared',
    );
    const session = await fetch(`${site.internal}/api/session`, {
      headers: { cookie: ticketCookieOf(response) },
    });
    assert.equal(session.status, 200);
    const body = (await session.json()) as { user: { sipUri: string }; authMethod: string; site: string };
    assert.equal(body.user.sipUri, demo.alice.sipUri);
    assert.equal(body.authMethod, 'sso');
    assert.equal(body.site, 'internal');
  });

  it('answers JSON to a client that asks for it', async () => {
    const response = await signInWithSso(site.internal, alice, 'application/json');
    assert.equal(response.status, 200);
    const body = (await response.json()) as { user: unknown; expiresAt: string };
    assert.deepEqual(body.user, { sipUri: demo.alice.sipUri, displayName: 'Alice Ahn' });
    assert.ok(Date.parse(body.expiresAt) > Date.now());
  });
});

describe('single sign-on: refusals', () => {
  it('refuses a replayed state: a callback completes once', async () => {
    const started = await startSso(site.internal);
    const back = await op.authorize(started.location.href, alice);
    assert.equal((await callback(back, started.stateCookie)).status, 200);

    await expectError(await callback(back, started.stateCookie), 400, 'sso_state_invalid');
  });

  it('refuses a callback in a browser that did not start the sign-in (no or another state cookie)', async () => {
    const started = await startSso(site.internal);
    const other = await startSso(site.internal);
    const back = await op.authorize(started.location.href, alice);

    await expectError(await callback(back, undefined), 400, 'sso_state_invalid');
    await expectError(await callback(back, other.stateCookie), 400, 'sso_state_invalid');
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    const started = await startSso(site.internal);
    const tampered = new URL(started.location);
    tampered.searchParams.set('nonce', 'a-nonce-the-attacker-chose-0000000000000000');
    const back = await op.authorize(tampered.href, alice);

    await expectError(await callback(back, started.stateCookie), 401, 'sso_nonce_mismatch');
  });

  it('refuses an ID token that has expired by the time it arrives', async () => {
    op.setIdTokenTtl(1);
    op.setTokenDelay(2200);
    try {
      const started = await startSso(site.internal);
      const back = await op.authorize(started.location.href, alice);
      const response = await callback(back, started.stateCookie);
      assert.equal(response.status, 401);
      const body = (await response.json()) as { error: string; message: string };
      assert.equal(body.error, 'sso_token_invalid');
      assert.match(body.message, /expired/);
    } finally {
      op.setIdTokenTtl(600);
      op.setTokenDelay(0);
    }
  });

  it('refuses an ID token the provider issued to another application (wrong audience)', async () => {
    // A real token for another client of the same provider, as a token-substitution attacker holds.
    const idToken = await tokenFor(otherApp, alice, 'nonce-of-the-other-app-000000000000000000');
    const verifier = new IdTokenVerifier(
      { issuer: op.issuer, clientId: client.clientId, jwksUri: `${op.issuer}/jwks` },
      new ProviderHttp(5000),
    );

    await assert.rejects(
      verifier.verify(idToken, 'nonce-of-the-other-app-000000000000000000'),
      (err: Error) => {
        assert.equal((err as { code?: string }).code, 'sso_token_invalid');
        assert.match(err.message, /another application/);
        return true;
      },
    );
  });

  it('refuses a user the directory does not know (403 sso_user_unknown)', async () => {
    await expectError(
      await signInWithSso(site.internal, mallory, 'application/json'),
      403,
      'sso_user_unknown',
    );
  });

  it('refuses an e-mail address the provider has not verified', async () => {
    await expectError(
      await signInWithSso(site.internal, unverified, 'application/json'),
      403,
      'sso_user_unknown',
    );
  });

  it('applies the same policy as every sign-in: disabled users, and remote access on the external site', async () => {
    await expectError(await signInWithSso(site.internal, erin, 'application/json'), 403, 'user_disabled');
    await expectError(
      await signInWithSso(site.external, carol, 'application/json'),
      403,
      'remote_access_denied',
    );
  });

  it('refuses a sign-in the provider declined (401 sso_denied), with a page for browsers', async () => {
    const started = await startSso(site.internal);
    const state = started.location.searchParams.get('state') ?? '';
    const declined = `${site.internal}/auth/sso/callback?error=access_denied&state=${state}`;

    const page = await callback(declined, started.stateCookie, 'text/html');
    assert.equal(page.status, 401);
    assert.match(await page.text(), /did not sign you in \(access_denied\)/);
  });

  it('answers 400, never a 500, to callbacks with missing or oversized parameters', async () => {
    const started = await startSso(site.internal);
    await expectError(
      await callback(`${site.internal}/auth/sso/callback`, started.stateCookie),
      400,
      'sso_state_invalid',
    );
    const huge = `${site.internal}/auth/sso/callback?state=${'a'.repeat(5000)}&code=x`;
    await expectError(await callback(huge, started.stateCookie), 400, 'bad_request');
    const state = started.location.searchParams.get('state') ?? '';
    await expectError(
      await callback(`${site.internal}/auth/sso/callback?state=${state}`, started.stateCookie),
      400,
      'bad_request',
    );
  });
});

describe('single sign-on: per-site sessions and sign-out', () => {
  it('gives SSO users on the external site a persistent cookie and the site idle timeout; forms users neither', async () => {
    const sso = await signInWithSso(site.external, alice);
    const ssoCookie =
      sso.headers.getSetCookie().find((c) => c.startsWith('__Host-cwa-ticket-external=')) ?? '';
    assert.match(ssoCookie, /Max-Age=3600/);
    const forms = await postJson(site.external, '/auth/forms', {
      domain: demo.domain,
      username: demo.alice.username,
      password: demo.alice.password,
    });
    const formsCookie =
      forms.headers.getSetCookie().find((c) => c.startsWith('__Host-cwa-ticket-external=')) ?? '';
    assert.doesNotMatch(formsCookie, /Max-Age|Expires/i);

    await sleep(3500);

    const session = (cookie: string) => fetch(`${site.external}/api/session`, { headers: { cookie } });
    assert.equal((await session(ticketCookieOf(sso))).status, 401, 'the SSO ticket idled out');
    assert.equal((await session(ticketCookieOf(forms))).status, 200, 'the forms ticket did not');
  });

  it('names the site’s own public origin as the way back from the provider, whatever Host the sign-out gives', async () => {
    const signedIn = await signInWithSso(site.internal, alice);

    const out = await sendAs(`${rt.internal}/auth/signout`, {
      method: 'POST',
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', cookie: ticketCookieOf(signedIn) },
    });

    assert.equal(out.status, 303);
    const next = new URL(out.location);
    assert.equal(`${next.origin}${next.pathname}`, `${op.issuer}/session/end`);
    assert.equal(next.searchParams.get('post_logout_redirect_uri'), `${site.internal}${signOutPage}`);
  });

  it('signs out at the provider too (id_token_hint, back to the sign-out page) and asks for credentials next time', async () => {
    const signedIn = await signInWithSso(site.internal, alice);
    const cookie = ticketCookieOf(signedIn);

    const out = await fetch(`${site.internal}/auth/signout`, {
      method: 'POST',
      headers: { cookie, accept: 'application/json' },
    });

    assert.equal(out.status, 204);
    const next = new URL(out.headers.get('location') ?? '');
    assert.equal(`${next.origin}${next.pathname}`, `${op.issuer}/session/end`);
    assert.equal(next.searchParams.get('post_logout_redirect_uri'), `${site.internal}${signOutPage}`);
    assert.equal(next.searchParams.get('client_id'), client.clientId);
    assert.ok(next.searchParams.get('id_token_hint'));
    const mark =
      out.headers.getSetCookie().find((c) => c.startsWith('__Host-cwa-sso-signed-out-internal=')) ?? '';
    assert.match(mark, /=1;/);
    assert.equal((await fetch(`${site.internal}/api/session`, { headers: { cookie } })).status, 401);
    const again = await startSso(site.internal, mark.split(';')[0]);
    assert.equal(again.location.searchParams.get('prompt'), 'login');
  });

  it('sends a forms user to the configured sign-out page', async () => {
    const forms = await postJson(site.internal, '/auth/forms', {
      domain: demo.domain,
      username: demo.alice.username,
      password: demo.alice.password,
    });
    const out = await fetch(`${site.internal}/auth/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: ticketCookieOf(forms), 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), signOutPage);
  });
});

/** Runs the code flow for another client of the provider by hand and answers its ID token. */
async function tokenFor(app: typeof otherApp, who: ProviderAccount, nonce: string): Promise<string> {
  const verifier = 'a-code-verifier-of-the-other-app-0000000000000';
  const { createHash } = await import('node:crypto');
  const authorize = new URL(`${op.issuer}/auth`);
  const redirectUri = 'http://127.0.0.1:9/other-app/callback';
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: redirectUri,
    scope: 'openid email',
    state: 'other-app-state',
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) {
    authorize.searchParams.set(name, value);
  }
  const back = new URL(await op.authorize(authorize.href, who));
  const token = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code') ?? '',
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await token.json()) as { id_token?: string };
  assert.ok(body.id_token, JSON.stringify(body));
  return body.id_token;
}

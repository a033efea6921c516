import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenIdProvider, type OpenIdProviderFixture } from '../support/openid-provider.ts';
import { ticketCookieOf } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

// Signing out of an SSO session while the provider is down: the discovery document the product
// kept from the sign-in must not hide the outage and send the browser to a dead end-session page.
const client = { clientId: 'communicator', clientSecret: 'communicator-secret' };
const signOutPage = '/?signed-out';
const alice = {
  id: 'alice',
  password: 'alice-idp-pass',
  claims: { email: 'alice@contoso.com', email_verified: true, name: 'alice' },
};

let op: OpenIdProviderFixture;
let rt: TestRuntime;

before(async () => {
  op = await startOpenIdProvider([alice]);
  rt = await startTestRuntime({
    handlerSettings: {
      SSO_ISSUER: op.issuer,
      SSO_CLIENT_ID: client.clientId,
      SSO_CLIENT_SECRET: client.clientSecret,
      SIGNOUT_PAGE_URL: signOutPage,
    },
  });
  const origins = [rt.internalUrl];
  await op.configure([
    {
      ...client,
      redirectUris: origins.map((o) => `${o}/auth/sso/callback`),
      postLogoutRedirectUris: origins.map((o) => `${o}${signOutPage}`),
    },
  ]);
});
after(async () => {
  await rt?.close();
  await op?.close();
});

async function signInWithSso(): Promise<string> {
  const started = await fetch(`${rt.internalUrl}/auth/sso`, { redirect: 'manual' });
  assert.equal(started.status, 303);
  const state = (
    started.headers.getSetCookie().find((c) => c.startsWith('__Host-cwa-sso-state-')) ?? ''
  ).split(';')[0];
  const back = await op.authorize(started.headers.get('location') ?? '', alice);
  const signedIn = await fetch(back, { redirect: 'manual', headers: { cookie: state ?? '' } });
  assert.equal(signedIn.status, 303, await signedIn.clone().text());
  return ticketCookieOf(signedIn);
}

describe('single sign-on: signing out while the provider is down', () => {
  it('ends the session and sends the browser to the local sign-out page, not the provider’s', async () => {
    const cookie = await signInWithSso();
    op.setDown(true);
    try {
      const out = await fetch(`${rt.internalUrl}/auth/signout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });

      assert.equal(out.status, 303);
      assert.equal(out.headers.get('location'), signOutPage);
      assert.equal((await fetch(`${rt.internalUrl}/api/session`, { headers: { cookie } })).status, 401);
    } finally {
      op.setDown(false);
    }
  });

  it('still sends the browser to the provider’s sign-out when it is up (control)', async () => {
    const cookie = await signInWithSso();

    const out = await fetch(`${rt.internalUrl}/auth/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });

    assert.equal(out.status, 303);
    assert.ok((out.headers.get('location') ?? '').startsWith(`${op.issuer}/session/end`));
  });
});

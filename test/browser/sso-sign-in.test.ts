import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { startTestRuntime, type TestRuntime } from '../integration/support/runtime.ts';
import { startOpenIdProvider, type OpenIdProviderFixture } from '../support/openid-provider.ts';
import { browserAvailable, chromiumArgs, chromiumPath } from './support.ts';

const available = browserAvailable();
const client = { clientId: 'communicator', clientSecret: 'communicator-secret' };
const signOutPage = '/?signed-out';
const alice = {
  id: 'alice',
  password: 'alice-idp-pass',
  claims: { email: 'alice@contoso.com', email_verified: true, name: 'Alice Ahn' },
};
let op: OpenIdProviderFixture;
let rt: TestRuntime;
let browser: Browser;

before(async () => {
  if (available !== true) return;
  await buildWeb();
  op = await startOpenIdProvider([alice]);
  rt = await startTestRuntime({
    handlerSettings: {
      SSO_ISSUER: op.issuer,
      SSO_CLIENT_ID: client.clientId,
      SSO_CLIENT_SECRET: client.clientSecret,
      SIGNOUT_PAGE_URL: signOutPage,
    },
  });
  const origins = [rt.internal, rt.external, rt.internalUrl, rt.externalUrl];
  await op.configure([
    {
      ...client,
      redirectUris: origins.map((o) => `${o}/auth/sso/callback`),
      postLogoutRedirectUris: origins.map((o) => `${o}${signOutPage}`),
    },
  ]);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    // Nothing but this machine: every other host name fails to resolve.
    args: [...chromiumArgs, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
  });
});
after(async () => {
  await browser?.close();
  await rt?.close();
  await op?.close();
});

/** From the chooser, through the provider's own sign-in page, into the client app. */
async function signInThroughProvider(page: Page): Promise<void> {
  await page.goto(`${rt.internalUrl}/`);
  await Promise.all([
    page.waitForURL((url) => url.origin === op.issuer),
    page.getByRole('link', { name: /single sign-on/i }).click(),
  ]);
  await page.fill('#login', alice.id);
  await page.fill('#password', alice.password);
  await Promise.all([page.waitForURL(`${rt.internalUrl}/app/`), page.click('#submit')]);
  await page.waitForSelector('body[data-connection="open"]');
}

describe('single sign-on in Chromium', { skip: available === true ? false : available }, () => {
  it("signs in from the chooser through the provider's sign-in page and opens the client app", async () => {
    const page = await (await browser.newContext()).newPage();

    await signInThroughProvider(page);

    assert.equal(await page.textContent('#me-name'), 'Alice Ahn');
    const session = await page.evaluate(async () => (await fetch('/api/session')).json());
    assert.equal((session as { authMethod: string }).authMethod, 'sso');
    const cookies = await page.context().cookies(rt.internalUrl);
    const ticket = cookies.find((c) => c.name === '__Host-cwa-ticket-internal');
    assert.equal(ticket?.sameSite, 'Strict');
    assert.equal(ticket?.expires, -1, 'a session cookie');
    assert.equal(
      cookies.find((c) => c.name === '__Host-cwa-sso-state-internal'),
      undefined,
    );
  });

  it('signs out at the provider, lands on the sign-out page, and is asked for credentials on the next sign-in', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInThroughProvider(page);

    await Promise.all([page.waitForURL((url) => url.origin === op.issuer), page.click('#sign-out')]);
    await Promise.all([page.waitForURL(`${rt.internalUrl}${signOutPage}`), page.click('#logout-yes')]);

    const session = await page.evaluate(async () => (await fetch('/api/session')).status);
    assert.equal(session, 401);
    await Promise.all([
      page.waitForURL((url) => url.origin === op.issuer),
      page.getByRole('link', { name: /single sign-on/i }).click(),
    ]);
    await page.waitForSelector('#password');
    assert.equal(new URL(page.url()).origin, op.issuer, 'not signed straight back in');
  });
});

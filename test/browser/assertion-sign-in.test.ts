import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { Browser } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { startTestRuntime, type TestRuntime } from '../integration/support/runtime.ts';
import { browserAvailable, launchChromium } from './support.ts';

const available = browserAvailable();
const header = 'x-authenticated-user';
const signOutPage = '/?signed-out';
let gatewayKey: CryptoKey;
let rt: TestRuntime;
let browser: Browser;

before(async () => {
  if (available !== true) return;
  await buildWeb();
  const pair = await generateKeyPair('EdDSA', { extractable: true });
  gatewayKey = pair.privateKey;
  rt = await startTestRuntime({
    handlerSettings: {
      ASSERTION_HEADER: header,
      // The gateway's public key given inline (PEM), as a deployment without a JWKS endpoint would.
      ASSERTION_PUBLIC_KEY: await exportSPKI(pair.publicKey),
      ASSERTION_AUDIENCE: 'communicator',
      SIGNOUT_PAGE_URL: signOutPage,
    },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await rt?.close();
});

/** What the reverse proxy adds to each request it passes on: a fresh assertion of who signed in there. */
const assertionFor = (email: string) =>
  new SignJWT({ email })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(email)
    .setAudience('communicator')
    .setIssuedAt()
    .setExpirationTime('1 minute')
    .sign(gatewayKey);

describe(
  'sign-in through an upstream authenticator in Chromium',
  { skip: available === true ? false : available },
  () => {
    it("signs in from the chooser with the gateway's assertion, opens the client app, and signs out to the sign-out page", async () => {
      const context = await browser.newContext();
      await context.setExtraHTTPHeaders({ [header]: await assertionFor('sip:alice@contoso.com') });
      const page = await context.newPage();
      await page.goto(`${rt.internalUrl}/`);

      await Promise.all([
        page.waitForURL(`${rt.internalUrl}/app/`),
        page.getByRole('link', { name: /sign-in gateway/i }).click(),
      ]);
      await page.waitForSelector('body[data-connection="open"]');
      assert.equal(await page.textContent('#me-name'), 'Alice Ahn');

      await Promise.all([page.waitForURL(`${rt.internalUrl}${signOutPage}`), page.click('#sign-out')]);
      assert.equal(await page.evaluate(async () => (await fetch('/api/session')).status), 401);
      await context.close();
    });

    it('shows why when the request carries no assertion', async () => {
      const page = await browser.newPage();
      const response = await page.goto(`${rt.internalUrl}/auth/assertion`);
      assert.equal(response?.status(), 401);
      assert.match((await page.textContent('[role=alert]')) ?? '', /sign-in gateway/);
      await page.close();
    });
  },
);

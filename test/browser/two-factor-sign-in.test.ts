import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { URI, type TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { demo } from '../integration/support/client.ts';
import { startTestRuntime, type TestRuntime } from '../integration/support/runtime.ts';
import { browserAvailable, launchChromium } from './support.ts';

const available = browserAvailable();
let rt: TestRuntime;
let browser: Browser;

before(async () => {
  if (available !== true) return;
  await buildWeb();
  rt = await startTestRuntime();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await rt?.close();
});

/** The authenticator app: the code for `offsetSteps` steps from now. */
const codeOf = (secret: string, offsetSteps = 0) =>
  (URI.parse(`otpauth://totp/x?secret=${secret}`) as TOTP).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  });

async function signInWithForms(page: Page, user: { username: string; password: string }) {
  await page.goto(`${rt.internalUrl}/auth/forms`);
  await page.fill('input[name=domain]', demo.domain);
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await Promise.all([page.waitForURL(`${rt.internalUrl}/app/`), page.click('button[type=submit]')]);
}

/** The two-factor page's first step, with the password; on to the second step. */
async function passwordStep(page: Page, user: { username: string; password: string }) {
  await page.fill('input[name=domain]', demo.domain);
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await Promise.all([
    page.waitForURL(`${rt.internalUrl}/auth/two-factor/verify`),
    page.click('button[type=submit]'),
  ]);
}

/** A USB security key plugged into this browser profile: Chromium's virtual authenticator (DevTools). */
async function addSecurityKey(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: false,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

describe(
  'two-factor sign-in with an authenticator app in Chromium',
  { skip: available === true ? false : available },
  () => {
    it('enrols an authenticator app, then signs in from the chooser with the password and a code', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signInWithForms(page, demo.alice);
      await page.goto(`${rt.internalUrl}/auth/two-factor/enrol`);
      await page.getByRole('button', { name: /authenticator app/i }).click();
      const secret = (await page.getAttribute('#totp-secret', 'data-secret')) ?? '';
      await page.fill('input[name=code]', codeOf(secret));
      await page.getByRole('button', { name: 'Confirm' }).click();
      assert.match((await page.textContent('[role=status]')) ?? '', /authenticator app is set up/);
      await page.goto(`${rt.internalUrl}/app/`);
      await page.waitForSelector('body[data-connection="open"]');
      await Promise.all([page.waitForURL(`${rt.internalUrl}/`), page.click('#sign-out')]);

      await page.getByRole('link', { name: /second factor/i }).click();
      await passwordStep(page, demo.alice);
      await page.fill('input[name=code]', '000000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      assert.match((await page.textContent('[role=alert]')) ?? '', /not correct/);
      // The current step's code was spent confirming the app; the next one is within the window.
      await page.fill('input[name=code]', codeOf(secret, 1));
      await Promise.all([
        page.waitForURL(`${rt.internalUrl}/app/`),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);

      await page.waitForSelector('body[data-connection="open"]');
      assert.equal(await page.textContent('#me-name'), 'Alice Ahn');
      const session = await page.evaluate(async () => (await fetch('/api/session')).json());
      assert.equal((session as { authMethod: string }).authMethod, 'two-factor');

      await Promise.all([page.waitForURL(`${rt.internalUrl}/`), page.click('#sign-out')]);
      const afterSignOut = await page.evaluate(async () => (await fetch('/api/session')).status);
      assert.equal(afterSignOut, 401, 'signed out');
      await context.close();
    });
  },
);

describe(
  'two-factor sign-in with a security key in Chromium',
  { skip: available === true ? false : available },
  () => {
    it("adds a security key (Chromium's virtual authenticator), then signs in with the password and the key", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const { cdp, authenticatorId } = await addSecurityKey(page);
      await signInWithForms(page, demo.bob);
      await page.goto(`${rt.internalUrl}/auth/two-factor/enrol`);

      await page.getByRole('button', { name: /add a security key/i }).click();
      await page.waitForFunction(() =>
        document.getElementById('security-key-status')?.textContent?.includes('added'),
      );
      assert.equal(await page.textContent('#security-key-count'), '1');
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1);
      await page.goto(`${rt.internalUrl}/app/`);
      await page.waitForSelector('body[data-connection="open"]');
      await Promise.all([page.waitForURL(`${rt.internalUrl}/`), page.click('#sign-out')]);

      await page.getByRole('link', { name: /second factor/i }).click();
      await passwordStep(page, demo.bob);
      await Promise.all([
        page.waitForURL(`${rt.internalUrl}/app/`),
        page.getByRole('button', { name: /use your security key/i }).click(),
      ]);

      await page.waitForSelector('body[data-connection="open"]');
      const session = await page.evaluate(async () => (await fetch('/api/session')).json());
      assert.equal((session as { authMethod: string }).authMethod, 'two-factor');
      const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.ok((after.credentials[0]?.signCount ?? 0) >= 1, 'the key signed');
      await context.close();
    });

    it('refuses the key of another browser: without the registered key the second step fails and says why', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await addSecurityKey(page);
      await page.goto(`${rt.internalUrl}/auth/two-factor`);
      await passwordStep(page, demo.bob);

      await page.getByRole('button', { name: /use your security key/i }).click();

      await page.waitForFunction(
        () =>
          !/Touch your security key/.test(
            document.getElementById('security-key-status')?.textContent ?? 'Touch your security key',
          ),
        undefined,
        { timeout: 15_000 },
      );
      assert.equal(new URL(page.url()).pathname, '/auth/two-factor/verify');
      assert.notEqual((await page.textContent('#security-key-status'))?.trim(), '');
      await context.close();
    });
  },
);

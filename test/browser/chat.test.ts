import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { demo } from '../integration/support/client.ts';
import { startTestRuntime, type TestRuntime } from '../integration/support/runtime.ts';
import { browserAvailable, launchChromium } from './support.ts';

const available = browserAvailable();
let rt: TestRuntime;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  if (available !== true) return;
  await buildWeb();
  rt = await startTestRuntime();
  browser = await launchChromium();
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await rt?.close();
});

/** A fresh browser profile signed in through the forms page, as a person would. */
async function signInAs(user: { username: string; password: string }): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  // This test drives the conversation inside the main window (pop-up windows: windows.test.ts).
  await context.addInitScript(() =>
    localStorage.setItem('cwa.settings', JSON.stringify({ conversationWindows: false, alertWindows: false })),
  );
  const page = await context.newPage();
  await page.goto(`${rt.internal}/`);
  await page.getByRole('link', { name: /domain, user name and password/i }).click();
  await page.fill('input[name=domain]', demo.domain);
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await Promise.all([page.waitForURL(`${rt.internal}/app/`), page.click('button[type=submit]')]);
  await page.waitForSelector('body[data-connection="open"]');
  return page;
}

const contact = (page: Page, sipUri: string) => page.locator(`#contacts li[data-sip-uri="${sipUri}"]`);

describe('the web client in Chromium', { skip: available === true ? false : available }, () => {
  it('refuses a wrong password on the forms page and says why', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${rt.internal}/auth/forms`);
    await page.fill('input[name=domain]', demo.domain);
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'wrong');
    await page.click('button[type=submit]');
    await page.waitForSelector('p.error');
    assert.match((await page.textContent('p.error')) ?? '', /not correct/);
  });

  it('signs in two people who see each other come online, change presence and chat, then sign out', async () => {
    const alice = await signInAs(demo.alice);
    assert.equal(await alice.textContent('#me-name'), 'Alice Ahn');
    await contact(alice, demo.bob.sipUri).waitFor();
    assert.equal(await contact(alice, demo.bob.sipUri).getAttribute('data-availability'), 'offline');

    const bob = await signInAs(demo.bob);
    await alice.waitForSelector(
      `#contacts li[data-sip-uri="${demo.bob.sipUri}"][data-availability="available"]`,
    );

    await bob.selectOption('#availability', 'busy');
    await bob.fill('#note', 'Writing the quarterly report');
    await bob.press('#note', 'Enter');
    await alice.waitForSelector(`#contacts li[data-sip-uri="${demo.bob.sipUri}"][data-availability="busy"]`);
    await alice.waitForFunction(
      (sip) =>
        document
          .querySelector(`#contacts li[data-sip-uri="${sip}"] .note`)
          ?.textContent?.includes('quarterly'),
      demo.bob.sipUri,
    );

    await contact(alice, demo.bob.sipUri).click();
    await alice.fill('#message-input', 'Lunch at noon?');
    await alice.click('#send-button');
    await alice.waitForSelector('#messages .message.outgoing .status[data-status="delivered"]');

    await contact(bob, demo.alice.sipUri).click();
    await bob.waitForSelector('#messages .message.incoming');
    assert.equal(await bob.textContent('#messages .message.incoming .text'), 'Lunch at noon?');
    await bob.fill('#message-input', 'Sure, see you there');
    await bob.press('#message-input', 'Enter');
    await alice.waitForFunction(() =>
      [...document.querySelectorAll('#messages .message.incoming .text')].some(
        (m) => m.textContent === 'Sure, see you there',
      ),
    );

    await Promise.all([bob.waitForURL(`${rt.internal}/`), bob.click('#sign-out')]);
    await alice.waitForSelector(
      `#contacts li[data-sip-uri="${demo.bob.sipUri}"][data-availability="offline"]`,
    );
    const session = await bob.request.get(`${rt.internal}/api/session`);
    assert.equal(session.status(), 401);
  });

  it('keeps the ticket out of reach of page scripts', async () => {
    const page = await signInAs(demo.carol);
    assert.equal(await page.evaluate(() => document.cookie), '');
    const cookies = await page.context().cookies();
    const ticket = cookies.find((c) => c.name.startsWith('__Host-cwa-ticket-'));
    assert.ok(ticket);
    assert.equal(ticket.httpOnly, true);
    assert.equal(ticket.secure, true);
    assert.equal(ticket.sameSite, 'Strict');
    assert.equal(ticket.expires, -1, 'a session cookie');
  });
});

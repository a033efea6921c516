import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { demo } from '../integration/support/client.ts';
import { startTestRuntime, type TestRuntime } from '../integration/support/runtime.ts';
import { browserAvailable, chromiumArgs, chromiumPath, launchChromium } from './support.ts';

const available = browserAvailable();
const idleSeconds = 4;
const leaveGraceSeconds = 1;
let rt: TestRuntime;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  if (available !== true) return;
  await buildWeb();
  rt = await startTestRuntime({
    scheduleIntervalMs: 250,
    handlerSettings: {
      TICKET_IDLE_SECONDS: String(idleSeconds),
      TICKET_LEAVE_GRACE_SECONDS: String(leaveGraceSeconds),
    },
  });
  browser = await launchChromium();
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await rt?.close();
});

async function signInOn(page: Page, user: { username: string; password: string }): Promise<void> {
  await page.goto(`${rt.internal}/auth/forms`);
  await page.fill('input[name=domain]', demo.domain);
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await Promise.all([page.waitForURL(`${rt.internal}/app/`), page.click('button[type=submit]')]);
  await page.waitForSelector('body[data-connection="open"]');
}

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('when the ticket ends, in Chromium', { skip: available === true ? false : available }, () => {
  it('signs out every tab of the session when one tab signs out', async () => {
    const first = await newPage();
    await signInOn(first, demo.alice);
    const second = await first.context().newPage();
    await second.goto(`${rt.internal}/app/`);
    await second.waitForSelector('body[data-connection="open"]');

    await Promise.all([first.waitForURL(`${rt.internal}/`), first.click('#sign-out')]);

    await second.waitForSelector('#banner .session-ended[data-reason="signed_out"]', { timeout: 2000 });
    assert.match((await second.textContent('#banner')) ?? '', /signed out/i);
  });

  it('survives a reload of the client page', async () => {
    const page = await newPage();
    await signInOn(page, demo.bob);
    await page.reload();
    await page.waitForSelector('body[data-connection="open"]');
    await wait(leaveGraceSeconds * 1000 + 500);
    assert.equal((await page.request.get(`${rt.internal}/api/session`)).status(), 200);
  });

  it('ends the session when the client page is left for another site', async () => {
    const page = await newPage();
    await signInOn(page, demo.carol);
    await page.goto(`${rt.external}/healthz`);
    await wait(leaveGraceSeconds * 1000 + 700);

    await page.goto(`${rt.internal}/app/`);

    await page.waitForURL(`${rt.internal}/`);
    assert.equal((await page.request.get(`${rt.internal}/api/session`)).status(), 401);
  });

  it('tells an idle user their session expired and offers sign-in', async () => {
    const page = await newPage();
    await signInOn(page, demo.alice);

    await page.waitForSelector('#banner .session-ended[data-reason="expired"]', {
      timeout: (idleSeconds + 4) * 1000,
    });
    assert.match((await page.textContent('#banner')) ?? '', /expired/i);
    await Promise.all([page.waitForURL(`${rt.internal}/`), page.click('#banner a[href="/"]')]);
  });

  it('signs the user out when the browser is closed and opened again on the same profile', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'cwa-profile-'));
    try {
      const launch = () =>
        chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumArgs });
      const first = await launch();
      const page = first.pages()[0] ?? (await first.newPage());
      await signInOn(page, demo.bob);
      assert.ok((await first.cookies()).some((c) => c.name.startsWith('__Host-cwa-ticket-')));
      await first.close();

      const again = await launch();
      try {
        assert.equal(
          (await again.cookies()).some((c) => c.name.startsWith('__Host-cwa-ticket-')),
          false,
        );
        const reopened = again.pages()[0] ?? (await again.newPage());
        await reopened.goto(`${rt.internal}/app/`);
        await reopened.waitForURL(`${rt.internal}/`);
      } finally {
        await again.close();
      }
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { demo, type DemoUser } from '../integration/support/client.ts';
import { startTestRuntime, type TestRuntime } from '../integration/support/runtime.ts';
import { accessibilityViolations, browserAvailable, launchChromium, signInWithForms } from './support.ts';

const available = browserAvailable();
const artifacts = 'test-artifacts';
let rt: TestRuntime;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  if (available !== true) return;
  await buildWeb();
  await mkdir(artifacts, { recursive: true });
  rt = await startTestRuntime();
  browser = await launchChromium();
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await rt?.close();
});

interface SignInOptions {
  readonly settings?: Record<string, unknown>;
  /** Playwright's fake clock, installed before the page loads (time still flows until fast-forwarded). */
  readonly clock?: boolean;
  readonly context?: BrowserContextOptions;
}

async function signInAs(user: DemoUser, options: SignInOptions = {}): Promise<Page> {
  const page = await signInWithForms(browser, rt.internal, user, {
    ...options,
    prepare: options.clock ? (context) => context.clock.install() : undefined,
  });
  contexts.push(page.context());
  return page;
}

const entry = (page: Page, sipUri: string) => page.locator(`#contacts li[data-sip-uri="${sipUri}"]`);
const seenAs = (page: Page, sipUri: string, availability: string) =>
  page.waitForSelector(`#contacts li[data-sip-uri="${sipUri}"][data-availability="${availability}"]`);

async function openConversation(main: Page, sipUri: string): Promise<Page> {
  const [popup] = await Promise.all([
    main.waitForEvent('popup'),
    entry(main, sipUri).locator('.contact-open').click(),
  ]);
  await popup.waitForSelector('#message-input:not([disabled])');
  return popup;
}

async function closeAll(...pages: Page[]): Promise<void> {
  await Promise.all(pages.map((p) => p.context().close()));
}

/** Closes a user's connections from the server side, as API Gateway's `DeleteConnection` does. */
async function dropConnectionsOf(sipUri: string): Promise<void> {
  for (const connection of await rt.deps.stores.connections.listByUser(sipUri)) {
    await rt.deps.notifier.close(connection);
  }
}

describe('the main window, in Chromium', { skip: available === true ? false : available }, () => {
  it('reconnects after the WebSocket is dropped and picks up presence again', async () => {
    const alice = await signInAs(demo.alice);
    const bob = await signInAs(demo.bob);
    await seenAs(alice, demo.bob.sipUri, 'available');

    await dropConnectionsOf(demo.alice.sipUri);
    await alice.waitForSelector('body[data-connection="reconnecting"]');
    assert.match((await alice.textContent('#connection-status')) ?? '', /reconnecting/i);
    await alice.waitForSelector('body[data-connection="open"]', { timeout: 5000 });

    await bob.selectOption('#availability', 'be-right-back');
    await seenAs(alice, demo.bob.sipUri, 'be-right-back');
    await bob.selectOption('#availability', 'available');
    await seenAs(alice, demo.bob.sipUri, 'available');
    await closeAll(alice, bob);
  });

  it('replaces its connection before API Gateway’s two-hour limit, without the user noticing', async () => {
    const alice = await signInAs(demo.alice, { clock: true });
    const sockets: { closed: boolean }[] = [];
    alice.on('websocket', (ws) => {
      const tracked = { closed: false };
      sockets.push(tracked);
      ws.on('close', () => (tracked.closed = true));
    });
    await alice.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { statuses: string[] }).statuses = seen;
      new MutationObserver(() => seen.push(document.body.dataset.connection ?? '')).observe(document.body, {
        attributeFilter: ['data-connection'],
      });
    });

    await alice.clock.fastForward('01:50:05');
    await alice.waitForFunction(() => document.querySelectorAll('#contacts li').length > 0);
    await alice.waitForTimeout(500);
    await alice.clock.fastForward('00:00:10');
    await alice.waitForTimeout(500);

    assert.equal(sockets.length, 1, 'one new connection');
    assert.deepEqual(
      await alice.evaluate(() => (window as unknown as { statuses: string[] }).statuses),
      [],
      'the status never changed',
    );
    const bob = await signInAs(demo.bob);
    await seenAs(alice, demo.bob.sipUri, 'available');
    await closeAll(alice, bob);
  });

  it('shows an idle user as Inactive, then Away, and Available again at the next input', async () => {
    const alice = await signInAs(demo.alice);
    const bob = await signInAs(demo.bob, { clock: true });
    await seenAs(alice, demo.bob.sipUri, 'available');

    await bob.clock.fastForward('05:05');
    await seenAs(alice, demo.bob.sipUri, 'inactive');
    assert.equal(await bob.inputValue('#availability'), 'inactive');
    await bob.clock.fastForward('10:05');
    await seenAs(alice, demo.bob.sipUri, 'away');

    await bob.keyboard.press('Shift');
    await seenAs(alice, demo.bob.sipUri, 'available');
    assert.equal(await bob.inputValue('#availability'), 'available');

    // A state the user chose is left alone.
    await bob.selectOption('#availability', 'busy');
    await seenAs(alice, demo.bob.sipUri, 'busy');
    await bob.clock.fastForward('20:00');
    await bob.waitForTimeout(300);
    assert.equal(await entry(alice, demo.bob.sipUri).getAttribute('data-availability'), 'busy');
    await bob.selectOption('#availability', 'available');
    await seenAs(alice, demo.bob.sipUri, 'available');
    await closeAll(alice, bob);
  });

  it('shows text from other users as text: markup and javascript: links execute nothing', async () => {
    const alice = await signInAs(demo.alice);
    const bob = await signInAs(demo.bob, { settings: { conversationWindows: false, alertWindows: false } });
    const withBob = await openConversation(alice, demo.bob.sipUri);
    const payloads = [
      '<img src=x onerror="window.pwned=1">',
      '<script>window.pwned=2</script>',
      'javascript:window.pwned=3',
      '<a href="javascript:window.pwned=4">click me</a> and https://example.com/a?b=1',
    ];
    for (const text of payloads) {
      await withBob.fill('#message-input', text);
      await withBob.press('#message-input', 'Enter');
    }
    await withBob.waitForFunction(
      (n) => document.querySelectorAll('#messages .status[data-status="delivered"]').length === n,
      payloads.length,
    );
    await entry(bob, demo.alice.sipUri).locator('.contact-open').click();
    await bob.waitForFunction(
      (n) => document.querySelectorAll('#messages .message.incoming').length === n,
      payloads.length,
    );

    for (const page of [bob, withBob]) {
      assert.deepEqual(await page.locator('#messages .text').allTextContents(), payloads);
      assert.equal(await page.locator('#messages img, #messages script').count(), 0);
      const links = await page
        .locator('#messages a')
        .evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.getAttribute('rel')]));
      assert.deepEqual(links, [['https://example.com/a?b=1', 'noopener noreferrer']]);
      await page.locator('#messages .text').last().click();
      assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    }
    await closeAll(alice, bob);
  });

  it('finds people in the directory, adds and removes contacts, and keeps them in groups', async () => {
    const alice = await signInAs(demo.alice);

    await entry(alice, demo.carol.sipUri).getByRole('button', { name: 'More for Carol Chen' }).click();
    await entry(alice, demo.carol.sipUri).getByRole('button', { name: 'Remove from contacts' }).click();
    await entry(alice, demo.carol.sipUri).waitFor({ state: 'detached' });

    await alice.fill('#add-contact', 'dave');
    await alice.waitForFunction(
      () => document.querySelector('#directory-status')?.textContent === 'Nobody found.',
    );
    await alice.fill('#add-contact', 'car');
    const option = alice.getByRole('option', { name: /Carol Chen/ });
    await option.waitFor();
    await alice.press('#add-contact', 'ArrowDown');
    assert.equal(await option.getAttribute('aria-selected'), 'true');
    await alice.press('#add-contact', 'Enter');
    await entry(alice, demo.carol.sipUri).waitFor();
    assert.equal(await alice.inputValue('#add-contact'), '');

    await entry(alice, demo.bob.sipUri).getByRole('button', { name: 'More for Bob Barros' }).click();
    await entry(alice, demo.bob.sipUri).getByLabel('Group').fill('Team');
    await entry(alice, demo.bob.sipUri).getByRole('button', { name: 'Move', exact: true }).click();
    await alice.waitForSelector(`#contacts section[data-group="Team"] li[data-sip-uri="${demo.bob.sipUri}"]`);
    assert.deepEqual(await alice.locator('#contacts .group-name').allTextContents(), [
      'Team',
      'Other contacts',
    ]);

    await alice.getByRole('button', { name: 'Rename group Team' }).click();
    await alice.getByLabel('New name for group Team (empty: ungroup)').fill('Project Falcon');
    await alice.getByLabel('New name for group Team (empty: ungroup)').press('Enter');
    await alice.waitForSelector(
      `#contacts section[data-group="Project Falcon"] li[data-sip-uri="${demo.bob.sipUri}"]`,
    );

    // The groups are the server's: a reload shows them again.
    await alice.reload();
    await alice.waitForSelector(
      `#contacts section[data-group="Project Falcon"] li[data-sip-uri="${demo.bob.sipUri}"]`,
    );

    // Keyboard: one Tab stop for the list, arrows move between people, Enter opens the conversation.
    await alice.focus('#contacts .contact-open[tabindex="0"]');
    assert.equal(
      await alice.evaluate(() => document.activeElement?.closest('li')?.dataset.sipUri),
      demo.bob.sipUri,
    );
    await alice.keyboard.press('ArrowDown');
    assert.equal(
      await alice.evaluate(() => document.activeElement?.closest('li')?.dataset.sipUri),
      demo.carol.sipUri,
    );
    const [popup] = await Promise.all([alice.waitForEvent('popup'), alice.keyboard.press('Enter')]);
    await popup.waitForSelector('#message-input:not([disabled])');
    assert.equal(await popup.textContent('#conversation-title'), 'Carol Chen');
    assert.equal(await popup.evaluate(() => document.activeElement?.id), 'message-input');

    await alice.getByRole('button', { name: 'Rename group Project Falcon' }).click();
    await alice.getByLabel('New name for group Project Falcon (empty: ungroup)').fill('');
    await alice.getByLabel('New name for group Project Falcon (empty: ungroup)').press('Enter');
    await alice.waitForSelector('#contacts section[data-group="Project Falcon"]', { state: 'detached' });
    await closeAll(alice);
  });

  it('passes axe-core checks in the main and conversation windows, and is readable at 200% zoom', async () => {
    const alice = await signInAs(demo.alice);
    const bob = await signInAs(demo.bob, { settings: { alertWindows: false } });
    await seenAs(alice, demo.bob.sipUri, 'available');
    await bob.fill('#note', 'Reviewing the Q3 plan');
    await bob.press('#note', 'Enter');
    const withBob = await openConversation(alice, demo.bob.sipUri);
    await withBob.fill('#message-input', 'Do you have the latest numbers?');
    await withBob.press('#message-input', 'Enter');
    const bobWithAlice = await openConversation(bob, demo.alice.sipUri);
    await bobWithAlice.fill('#message-input', 'Yes, sending them over now.');
    await bobWithAlice.press('#message-input', 'Enter');
    await withBob.waitForSelector('#messages .message.incoming');
    await bobWithAlice.fill('#message-input', 'One moment');
    await withBob.waitForFunction(() => document.querySelector('#typing')?.textContent !== '');

    await alice.screenshot({ path: `${artifacts}/main-window.png` });
    await withBob.screenshot({ path: `${artifacts}/conversation-window-typing.png` });
    assert.deepEqual(await accessibilityViolations(alice), [], 'main window');
    assert.deepEqual(await accessibilityViolations(withBob), [], 'conversation window');

    // 200% zoom of a 1280×800 screen is a 640×400 CSS-pixel viewport at twice the pixel density.
    const zoomed = await signInAs(demo.carol, {
      context: { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
    });
    const overflow = await zoomed.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px too wide)`);
    for (const selector of ['#availability', '#sign-out', '#add-contact', '#contacts .contact-open']) {
      const box = await zoomed.locator(selector).first().boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 640, `${selector} fits the width`);
    }
    await zoomed.screenshot({ path: `${artifacts}/main-window-200-percent.png`, fullPage: true });
    await closeAll(alice, bob, zoomed);
  });
});

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { demo, type DemoUser } from '../integration/support/client.ts';
import { startTestRuntime, type TestRuntime } from '../integration/support/runtime.ts';
import { accessibilityViolations, browserAvailable, launchChromium, signInWithForms } from './support.ts';

const available = browserAvailable();
let rt: TestRuntime;
/** Playwright's Chromium allows every pop-up (it passes --disable-popup-blocking); see launchChromium. */
let browser: Browser;

const contexts: BrowserContext[] = [];
export const artifacts = 'test-artifacts';

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
  /** Client settings stored before the page loads. */
  readonly settings?: Record<string, unknown>;
  /**
   * A pop-up blocker: `deny` refuses every `window.open` (a strict blocker or "block all"); `gesture`
   * refuses those without user activation, as Chromium's own blocker does; `close` lets the window
   * open and shuts it at once, as some blockers and extensions do.
   */
  readonly blocker?: 'deny' | 'gesture' | 'close';
  /** Another browser than the shared one (e.g. one with Chromium's own pop-up blocker on). */
  readonly browser?: Browser;
}

const blockers = {
  deny: () => {
    window.open = () => null;
  },
  gesture: () => {
    // Allowed only while a click or key press is being handled. (Chromium's own rule, transient
    // activation, would also let through alerts just after the sign-in click, which carries over.)
    const open = window.open.bind(window);
    let handlingInput = false;
    for (const type of ['click', 'keydown']) {
      window.addEventListener(
        type,
        () => {
          handlingInput = true;
          setTimeout(() => (handlingInput = false));
        },
        true,
      );
    }
    window.open = (...args) => (handlingInput ? open(...args) : null);
  },
  close: () => {
    const open = window.open.bind(window);
    window.open = (...args) => {
      const opened = open(...args);
      opened?.close();
      return opened;
    };
  },
} as const;

async function signInAs(user: DemoUser, options: SignInOptions = {}): Promise<Page> {
  const blocker = options.blocker;
  const page = await signInWithForms(options.browser ?? browser, rt.internal, user, {
    settings: options.settings,
    prepare: blocker
      ? async (context) => {
          await context.addInitScript(blockers[blocker]);
        }
      : undefined,
  });
  contexts.push(page.context());
  return page;
}

const contact = (page: Page, sipUri: string) =>
  page.locator(`#contacts li[data-sip-uri="${sipUri}"] .contact-open`);

async function openConversation(main: Page, sipUri: string): Promise<Page> {
  const [popup] = await Promise.all([main.waitForEvent('popup'), contact(main, sipUri).click()]);
  await popup.waitForSelector('#message-input:not([disabled])');
  return popup;
}

async function send(conversation: Page, text: string): Promise<void> {
  await conversation.fill('#message-input', text);
  await conversation.press('#message-input', 'Enter');
}

const lastStatus = (page: Page) => page.locator('#messages .message.outgoing .status').last();

/** Polls `expression` in the page without granting user activation, as Playwright's evaluations do. */
async function waitInPage(devTools: CDPSession, expression: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { result } = await devTools.send('Runtime.evaluate', { expression, returnByValue: true });
    if (result.value === true) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting in the page for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function closeAll(...pages: Page[]): Promise<void> {
  await Promise.all(pages.map((p) => p.context().close()));
}

describe(
  'conversation and alert windows, in Chromium',
  { skip: available === true ? false : available },
  () => {
    it('holds a conversation through pop-up windows: alert, history, typing, delivery and reuse', async () => {
      const alice = await signInAs(demo.alice);
      const bob = await signInAs(demo.bob);
      await alice.waitForSelector(
        `#contacts li[data-sip-uri="${demo.bob.sipUri}"][data-availability="available"]`,
      );

      const aliceWithBob = await openConversation(alice, demo.bob.sipUri);
      assert.equal(await aliceWithBob.textContent('#conversation-title'), 'Bob Barros');
      assert.match(await aliceWithBob.title(), /Bob Barros/);

      const bobAlertOpened = bob.waitForEvent('popup');
      await send(aliceWithBob, 'Hi Bob, got a minute?');
      await aliceWithBob.waitForSelector('#messages .status[data-status="delivered"]');

      const alert = await bobAlertOpened;
      assert.match(alert.url(), /\/app\/alert\.html\?with=sip%3Aalice%40contoso\.com$/);
      await alert.waitForSelector('#alert-open:not([disabled])');
      assert.equal(await alert.textContent('#alert-from'), 'Alice Ahn');
      assert.equal(await alert.textContent('#alert-text'), 'Hi Bob, got a minute?');
      await alert.screenshot({ path: `${artifacts}/alert-window.png` });
      assert.deepEqual(await accessibilityViolations(alert), [], 'alert window');

      // Open turns the alert into the conversation window, with what was said so far.
      await alert.click('#alert-open');
      await alert.waitForURL(/\/app\/conversation\.html/);
      const bobWithAlice = alert;
      await bobWithAlice.waitForSelector('#messages .message.incoming');
      assert.equal(
        await bobWithAlice.textContent('#messages .message.incoming .text'),
        'Hi Bob, got a minute?',
      );
      assert.equal(
        await bob.locator(`#contacts li[data-sip-uri="${demo.alice.sipUri}"] .unread`).isHidden(),
        true,
      );

      await bobWithAlice.fill('#message-input', 'Sure');
      await aliceWithBob.waitForFunction(
        () => document.querySelector('#typing')?.textContent === 'Bob Barros is typing…',
      );
      await bobWithAlice.fill('#message-input', 'Sure, what is up?');
      await bobWithAlice.press('#message-input', 'Enter');
      await aliceWithBob.waitForFunction(() =>
        [...document.querySelectorAll('#messages .message.incoming .text')].some(
          (m) => m.textContent === 'Sure, what is up?',
        ),
      );
      assert.equal(await aliceWithBob.textContent('#typing'), '');

      // Presence shows in the conversation window too.
      await bob.selectOption('#availability', 'busy');
      await aliceWithBob.waitForFunction(() =>
        document.querySelector('#conversation-presence')?.textContent?.startsWith('Busy'),
      );
      await aliceWithBob.screenshot({ path: `${artifacts}/conversation-window.png` });

      // Choosing Bob again brings his window back instead of opening another.
      const pagesBefore = alice.context().pages().length;
      await contact(alice, demo.bob.sipUri).click();
      await alice.waitForTimeout(300);
      assert.equal(alice.context().pages().length, pagesBefore);

      // A window closed and opened again shows the session's history.
      await aliceWithBob.close();
      const again = await openConversation(alice, demo.bob.sipUri);
      await again.waitForSelector('#messages .message.incoming');
      assert.deepEqual(await again.locator('#messages .text').allTextContents(), [
        'Hi Bob, got a minute?',
        'Sure, what is up?',
      ]);

      // Someone who is offline: the failure is said in the window.
      const withCarol = await openConversation(alice, demo.carol.sipUri);
      await send(withCarol, 'Are you around?');
      await withCarol.waitForSelector('#messages .status[data-status="failed"]');
      assert.equal(await lastStatus(withCarol).textContent(), 'could not be delivered: offline');
      await closeAll(alice, bob);
    });

    it('shows a desktop notification for a message when the page is in the background', async () => {
      const bob = await signInAs(demo.bob, { settings: { alertWindows: false } });
      await bob.context().grantPermissions(['notifications']);
      // Records notifications instead of showing them; the page acts as if it were in the background.
      await bob.evaluate(`
        window.shown = [];
        window.Notification = class extends EventTarget {
          static permission = 'granted';
          constructor(title, options) { super(); window.shown.push({ title, body: options.body }); }
          close() {}
        };
        document.hasFocus = () => false;
      `);
      const alice = await signInAs(demo.alice);
      const withBob = await openConversation(alice, demo.bob.sipUri);
      await send(withBob, 'Ping from the background');
      await bob.waitForFunction(() => (window as unknown as { shown: unknown[] }).shown.length === 1);
      assert.deepEqual(await bob.evaluate(() => (window as unknown as { shown: unknown[] }).shown), [
        { title: 'Alice Ahn', body: 'Ping from the background' },
      ]);
      // Alert windows are off here, so the alert waits inside the main window as well.
      await bob.waitForSelector(`[data-testid="in-page-alert"][data-sip-uri="${demo.alice.sipUri}"]`);
      await closeAll(alice, bob);
    });

    it('when pop-ups are blocked, shows conversations and alerts in the main window and says once how to allow them', async () => {
      const alice = await signInAs(demo.alice, { blocker: 'deny' });
      const bob = await signInAs(demo.bob, { blocker: 'gesture' });
      const carol = await signInAs(demo.carol, { blocker: 'close' });

      await contact(alice, demo.bob.sipUri).click();
      await alice.waitForSelector('#conversation[data-peer="sip:bob@contoso.com"]');
      const banner = alice.locator('[data-testid="popup-blocked"]');
      await banner.waitFor();
      assert.match((await banner.textContent()) ?? '', /allow pop-ups for this site/i);
      await alice.fill('#message-input', 'Can you see this without pop-ups?');
      await alice.press('#message-input', 'Enter');
      await alice.waitForSelector('#messages .status[data-status="delivered"]');

      // Bob's blocker refuses the alert window (no click opened it): the alert is in his main window.
      const inPage = bob.locator(`[data-testid="in-page-alert"][data-sip-uri="${demo.alice.sipUri}"]`);
      await inPage.waitFor();
      assert.match((await inPage.textContent()) ?? '', /Alice Ahn.*Can you see this without pop-ups\?/);
      await bob.locator('[data-testid="popup-blocked"]').waitFor();
      assert.equal(bob.context().pages().length, 1);
      assert.match(await bob.title(), /^\(1\)/);

      // Chosen with a click, the conversation window is allowed even by Bob's blocker.
      const [bobWithAlice] = await Promise.all([
        bob.waitForEvent('popup'),
        inPage.getByRole('button', { name: /open/i }).click(),
      ]);
      await bobWithAlice.waitForSelector('#messages .message.incoming');
      assert.equal(await inPage.count(), 0);

      // More blocked windows do not repeat the banner.
      await contact(alice, demo.carol.sipUri).click();
      await alice.waitForSelector('#conversation[data-peer="sip:carol@contoso.com"]');
      assert.equal(await alice.locator('[data-testid="popup-blocked"]').count(), 1);

      // A window that is shut as soon as it opens counts as blocked too.
      await contact(carol, demo.alice.sipUri).click();
      await carol.waitForSelector('#conversation[data-peer="sip:alice@contoso.com"]');
      await carol.locator('[data-testid="popup-blocked"]').waitFor();
      await closeAll(alice, bob, carol);
    });

    it("falls back to the main window when Chromium's own pop-up blocker refuses the alert window", async () => {
      const blocking = await launchChromium({ popupBlocker: true });
      try {
        const bob = await signInAs(demo.bob, { browser: blocking });
        const alice = await signInAs(demo.alice, { browser: blocking });
        // A click is user activation: Chromium lets Alice's conversation window open.
        const aliceWithBob = await openConversation(alice, demo.bob.sipUri);

        // Playwright's own calls into a page count as user activation, so Bob's page is watched
        // through the DevTools protocol until its activation has lapsed, as if nobody touched it.
        const bobDevTools = await bob.context().newCDPSession(bob);
        await waitInPage(bobDevTools, '!navigator.userActivation.isActive');
        await send(aliceWithBob, 'Did the blocker let this through?');
        await aliceWithBob.waitForSelector('#messages .status[data-status="delivered"]');

        // No click opened Bob's alert window, so Chromium refused it: the alert is in his main window.
        const inPageSelector = `[data-testid="in-page-alert"][data-sip-uri="${demo.alice.sipUri}"]`;
        await waitInPage(bobDevTools, `!!document.querySelector('${inPageSelector}')`);
        assert.equal(bob.context().pages().length, 1, 'no alert window opened');
        const inPage = bob.locator(inPageSelector);
        assert.match((await inPage.textContent()) ?? '', /Did the blocker let this through\?/);
        const banner = bob.locator('[data-testid="popup-blocked"]');
        await banner.waitFor();
        assert.match((await banner.textContent()) ?? '', /allow pop-ups for this site/i);

        // Opened with a click, the conversation window gets through Chromium's blocker.
        const [bobWithAlice] = await Promise.all([
          bob.waitForEvent('popup'),
          inPage.getByRole('button', { name: /open/i }).click(),
        ]);
        await bobWithAlice.waitForSelector('#messages .message.incoming');
        assert.equal(
          await bobWithAlice.textContent('#messages .message.incoming .text'),
          'Did the blocker let this through?',
        );
        await closeAll(alice, bob);
      } finally {
        await blocking.close();
      }
    });

    it('past the window limit, keeps further alerts in the main window', async () => {
      const bob = await signInAs(demo.bob, { settings: { maxWindows: 1 } });
      const alice = await signInAs(demo.alice);
      const carol = await signInAs(demo.carol);

      const alertOpened = bob.waitForEvent('popup');
      await send(await openConversation(alice, demo.bob.sipUri), 'First');
      await (await alertOpened).waitForSelector('#alert-open:not([disabled])');

      await send(await openConversation(carol, demo.bob.sipUri), 'Second');
      await bob.waitForSelector(`[data-testid="in-page-alert"][data-sip-uri="${demo.carol.sipUri}"]`);
      await bob.locator('[data-testid="window-limit"]').waitFor();
      assert.equal(bob.context().pages().length, 2, 'the main window and one alert');
      await closeAll(alice, bob, carol);
    });

    it('keeps conversation windows through a reload of the main window, and ends them when it closes', async () => {
      const alice = await signInAs(demo.alice);
      const bob = await signInAs(demo.bob, { settings: { alertWindows: false } });
      const withBob = await openConversation(alice, demo.bob.sipUri);
      await send(withBob, 'Before the reload');
      await withBob.waitForSelector('#messages .status[data-status="delivered"]');

      await alice.reload();
      await alice.waitForSelector('body[data-connection="open"]');
      await withBob.waitForSelector('body[data-connection="open"]');
      await send(withBob, 'After the reload');
      await withBob.waitForFunction(
        () => document.querySelectorAll('#messages .status[data-status="delivered"]').length === 2,
      );
      await bob.waitForSelector(`[data-testid="in-page-alert"][data-sip-uri="${demo.alice.sipUri}"]`);

      // The reloaded main window still has the session's history for a new window.
      await withBob.close();
      const again = await openConversation(alice, demo.bob.sipUri);
      await again.waitForSelector('#messages .message');
      assert.deepEqual(await again.locator('#messages .text').allTextContents(), [
        'Before the reload',
        'After the reload',
      ]);

      await alice.close();
      const ended = again.locator('#banner .session-ended[data-reason="main_closed"]');
      await ended.waitFor();
      assert.match((await ended.textContent()) ?? '', /main window was closed/i);
      assert.equal(await again.isDisabled('#message-input'), true);
      await closeAll(again, bob);
    });
  },
);

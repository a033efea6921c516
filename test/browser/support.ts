import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import { demo } from '../integration/support/client.ts';

export const chromiumPath = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless. In CI a missing browser fails the suite loudly; on a developer's
 * machine without it the suite is skipped with the reason printed.
 */
export function browserAvailable(): true | string {
  if (existsSync(chromiumPath)) return true;
  const reason = `${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium)`;
  if (process.env.CI) throw new Error(reason);
  return reason;
}

/** The flags this machine's closed network and root user need. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's Chromium with the flags above. Playwright passes `--disable-popup-blocking` by default;
 * `popupBlocker` leaves it out, so Chromium's own blocker refuses windows opened without a click.
 */
export function launchChromium(options: { readonly popupBlocker?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
    ...(options.popupBlocker ? { ignoreDefaultArgs: ['--disable-popup-blocking'] } : {}),
  });
}

let axeSource: Promise<string> | undefined;

/** Runs axe-core in the page (evaluated through the DevTools protocol, which the page's CSP does not govern). */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(await axeSource);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            context: Document,
            options: unknown,
          ) => Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] });
    return result.violations.map(
      (v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
    );
  });
}

export interface FormsSignInOptions {
  /** Client settings stored in the profile before the client loads. */
  readonly settings?: Record<string, unknown>;
  readonly context?: BrowserContextOptions;
  /** Runs on the new profile before any page opens (a fake clock, init scripts). */
  readonly prepare?: (context: BrowserContext) => Promise<void>;
}

/**
 * A fresh browser profile signed in through `origin`'s forms page, as a person would, with the
 * client app open and connected and its contact list shown.
 */
export async function signInWithForms(
  browser: Browser,
  origin: string,
  user: { readonly username: string; readonly password: string },
  options: FormsSignInOptions = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 680 }, ...options.context });
  await options.prepare?.(context);
  if (options.settings) {
    await context.addInitScript(
      (settings) => localStorage.setItem('cwa.settings', JSON.stringify(settings)),
      options.settings,
    );
  }
  const page = await context.newPage();
  await page.goto(`${origin}/auth/forms`);
  await page.fill('input[name=domain]', demo.domain);
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await Promise.all([page.waitForURL(`${origin}/app/`), page.click('button[type=submit]')]);
  await page.waitForSelector('body[data-connection="open"]');
  await page.locator('#contacts li[data-sip-uri]').first().waitFor();
  return page;
}

import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { startTestRuntime, type TestRuntime } from '../integration/support/runtime.ts';
import { kdcAvailable, startKdc, type Kdc } from '../support/mit-kdc.ts';
import { browserAvailable, chromiumPath } from './support.ts';

const browser = browserAvailable();
const kerberos = kdcAvailable();
const available = browser === true ? kerberos : browser;
const alice = { name: 'alice', password: 'alice-kerberos-pass' };
let kdc: Kdc;
let rt: TestRuntime;
let dataDir: string;
const profiles: string[] = [];
const contexts: BrowserContext[] = [];

before(async () => {
  if (available !== true) return;
  await buildWeb();
  kdc = await startKdc({ users: [alice], services: ['HTTP/localhost'] });
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-windows-browser-'));
  await copyFile(kdc.keytab, join(dataDir, 'kerberos.keytab'));
  rt = await startTestRuntime({
    dataDir,
    handlerSettings: { KERBEROS_REALM_DOMAINS: 'EXAMPLE.TEST=CONTOSO' },
  });
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await rt?.close();
  await kdc?.close();
  for (const dir of [dataDir, ...profiles]) if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Chromium with the user's Kerberos credentials, as on a domain-joined machine: the site is on the
 * auth server allowlist, and the profile already records a Negotiate challenge seen (without that,
 * Linux Chromium declines the first Negotiate challenge).
 */
async function kerberosBrowser(ccache: string): Promise<BrowserContext> {
  const profile = await mkdtemp(join(tmpdir(), 'cwa-chromium-'));
  profiles.push(profile);
  await mkdir(profile, { recursive: true });
  await writeFile(
    join(profile, 'Local State'),
    JSON.stringify({ net: { received_http_auth_negotiate_headers: true } }),
  );
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    env: { ...process.env, ...kdc.clientEnv(ccache) },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--auth-server-allowlist=localhost',
    ],
  });
  contexts.push(context);
  return context;
}

describe('Windows sign-in in Chromium', { skip: available === true ? false : available }, () => {
  it('opens the client app signed in from the quick sign-in URL, with no prompt', async () => {
    const ccache = await kdc.kinit(alice);
    const context = await kerberosBrowser(ccache);
    const page = await context.newPage();

    await page.goto(`${rt.internalUrl}/auth/windows/quick`);

    await page.waitForURL(`${rt.internalUrl}/app/`);
    await page.waitForSelector('body[data-connection="open"]');
    assert.equal(await page.textContent('#me-name'), 'Alice Ahn');
  });

  it('signs in from the chooser link too', async () => {
    const ccache = await kdc.kinit(alice);
    const context = await kerberosBrowser(ccache);
    const page = await context.newPage();
    await page.goto(`${rt.internalUrl}/`);

    await Promise.all([
      page.waitForURL(`${rt.internalUrl}/app/`),
      page.getByRole('link', { name: /Windows account/i }).click(),
    ]);

    await page.waitForSelector('body[data-connection="open"]');
  });
});

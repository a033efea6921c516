import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { oids } from '../../functions/core/kerberos/gss.ts';
import { encodeNegTokenInit } from '../../functions/core/kerberos/spnego.ts';
import { buildWeb } from '../../web/build.ts';
import { startTestRuntime, type TestRuntime } from '../integration/support/runtime.ts';
import { kdcAvailable, startKdc, type Kdc } from '../support/mit-kdc.ts';
import { negotiateMessage } from '../support/ntlm-client.ts';
import { browserAvailable, chromiumArgs, chromiumPath } from './support.ts';

const browser = browserAvailable();
const kerberos = kdcAvailable();
const available = browser === true ? kerberos : browser;
const alice = { name: 'alice', password: 'alice-windows-pass' };
let kdc: Kdc;
let rt: TestRuntime;
let dataDir: string;
const profiles: string[] = [];
const contexts: BrowserContext[] = [];

// Kerberos and NTLM both enabled, as in an organisation where some machines are not domain members.
before(async () => {
  if (available !== true) return;
  await buildWeb();
  kdc = await startKdc({ users: [alice], services: ['HTTP/localhost'] });
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-ntlm-browser-'));
  await copyFile(kdc.keytab, join(dataDir, 'kerberos.keytab'));
  const seedPath = join(dataDir, 'seed.json');
  await writeFile(
    seedPath,
    JSON.stringify({
      domain: 'CONTOSO',
      users: [
        {
          username: 'alice',
          password: alice.password,
          sipUri: 'sip:alice@contoso.com',
          displayName: 'Alice Ahn',
          enabled: true,
          enhancedPresence: true,
          remoteAccess: true,
          ntlm: true,
        },
      ],
    }),
  );
  rt = await startTestRuntime({
    dataDir,
    seedPath,
    handlerSettings: { KERBEROS_REALM_DOMAINS: 'EXAMPLE.TEST=CONTOSO', NTLM_DOMAIN: 'CONTOSO' },
  });
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await rt?.close();
  await kdc?.close();
  for (const dir of [dataDir, ...profiles]) if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Chromium on a machine that is no domain member: no Kerberos credentials, the site not on the
 * auth server allowlist; the user's name and password reach it as a person would type them in
 * the browser's sign-in prompt (Playwright's `httpCredentials` answers that prompt).
 */
async function ntlmBrowser(username: string, password: string): Promise<BrowserContext> {
  const profile = await mkdtemp(join(tmpdir(), 'cwa-chromium-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    env: { ...process.env, ...kdc.clientEnv(join(profile, 'no-credentials.ccache')) },
    args: chromiumArgs,
    httpCredentials: { username, password },
  });
  contexts.push(context);
  return context;
}

/** Chromium with the user's Kerberos credentials, as on a domain member (see windows-sign-in.test.ts). */
async function kerberosBrowser(ccache: string): Promise<BrowserContext> {
  const profile = await mkdtemp(join(tmpdir(), 'cwa-chromium-'));
  profiles.push(profile);
  await writeFile(
    join(profile, 'Local State'),
    JSON.stringify({ net: { received_http_auth_negotiate_headers: true } }),
  );
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    env: { ...process.env, ...kdc.clientEnv(ccache) },
    args: [...chromiumArgs, '--auth-server-allowlist=localhost'],
  });
  contexts.push(context);
  return context;
}

describe('Windows sign-in with NTLM in Chromium', { skip: available === true ? false : available }, () => {
  it('falls back to NTLM from the Windows sign-in page when the browser has no Kerberos credentials', async () => {
    const page = await (await ntlmBrowser('CONTOSO\\alice', alice.password)).newPage();

    const refused = await page.goto(`${rt.internalUrl}/auth/windows`);
    assert.equal(refused?.status(), 401);
    await Promise.all([
      page.waitForURL(`${rt.internalUrl}/app/`),
      page.getByRole('link', { name: /Windows user name and password/i }).click(),
    ]);

    await page.waitForSelector('body[data-connection="open"]');
    assert.equal(await page.textContent('#me-name'), 'Alice Ahn');
  });

  it('opens the client app from the NTLM quick sign-in URL', async () => {
    const page = await (await ntlmBrowser('alice', alice.password)).newPage();

    await page.goto(`${rt.internalUrl}/auth/windows/quick?method=ntlm`);

    await page.waitForURL(`${rt.internalUrl}/app/`);
    await page.waitForSelector('body[data-connection="open"]');
  });

  it('stays on the refusal page with a wrong password', async () => {
    const page = await (await ntlmBrowser('alice', 'not-the-password')).newPage();

    const response = await page.goto(`${rt.internalUrl}/auth/windows/quick?method=ntlm`);

    assert.equal(response?.status(), 401);
    assert.match((await page.textContent('[role="alert"]')) ?? '', /user name or password is not correct/);
  });

  it('links the NTLM fallback when Windows offers NTLM inside SPNEGO, which the server does not take', async () => {
    const token = encodeNegTokenInit([oids.ntlm], negotiateMessage());

    const response = await fetch(`${rt.internalUrl}/auth/windows`, {
      headers: { accept: 'text/html', authorization: `Negotiate ${token.toString('base64')}` },
    });

    assert.equal(response.status, 400);
    assert.match(await response.text(), /href="\/auth\/windows\?method=ntlm"/);
  });

  it('still signs a domain member in with Kerberos, with no prompt, while NTLM is enabled', async () => {
    const page = await (await kerberosBrowser(await kdc.kinit(alice))).newPage();

    await page.goto(`${rt.internalUrl}/auth/windows/quick`);

    await page.waitForURL(`${rt.internalUrl}/app/`);
    await page.waitForSelector('body[data-connection="open"]');
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { startTestRuntime, type TestRuntime } from '../integration/support/runtime.ts';
import { makeCa, makeClientCertificate, type TestClientCertificate } from '../support/certificates.ts';
import { browserAvailable, launchChromium } from './support.ts';

const available = browserAvailable();
let rt: TestRuntime;
let browser: Browser;
let dir: string;
let aliceCard: TestClientCertificate;

before(async () => {
  if (available !== true) return;
  await buildWeb();
  dir = await mkdtemp(join(tmpdir(), 'cwa-certificate-browser-'));
  const ca = await makeCa('Contoso Smart Card CA');
  aliceCard = await makeClientCertificate(ca, { cn: 'Alice Ahn', email: 'alice@contoso.com' });
  await writeFile(join(dir, 'smart-card-ca.pem'), ca.cert);
  rt = await startTestRuntime({
    tls: true,
    handlerSettings: { CLIENT_CERT_SITES: 'internal', CLIENT_CERT_CA_FILE: join(dir, 'smart-card-ca.pem') },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await rt?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('smart card sign-in in Chromium', { skip: available === true ? false : available }, () => {
  it('signs in from the chooser with the certificate the browser presents, and signs out', async () => {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      clientCertificates: [
        { origin: rt.internalUrl, cert: Buffer.from(aliceCard.cert), key: Buffer.from(aliceCard.key) },
      ],
    });
    const page = await context.newPage();
    await page.goto(`${rt.internalUrl}/`);

    await Promise.all([
      page.waitForURL(`${rt.internalUrl}/app/`),
      page.getByRole('link', { name: /smart card/i }).click(),
    ]);
    await page.waitForSelector('body[data-connection="open"]');
    assert.equal(await page.textContent('#me-name'), 'Alice Ahn');
    assert.equal(
      await page.evaluate(
        async () => ((await (await fetch('/api/session')).json()) as { authMethod: string }).authMethod,
      ),
      'certificate',
    );

    await Promise.all([page.waitForURL(`${rt.internalUrl}/`), page.click('#sign-out')]);
    assert.equal(await page.evaluate(async () => (await fetch('/api/session')).status), 401);
    await context.close();
  });

  it('shows why when the browser has no certificate to present', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const response = await page.goto(`${rt.internalUrl}/auth/certificate`);
    assert.equal(response?.status(), 401);
    assert.match((await page.textContent('[role=alert]')) ?? '', /smart card/i);
    await context.close();
  });
});

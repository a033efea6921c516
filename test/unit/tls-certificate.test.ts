import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ensureTlsCertificate } from '../../local/tls-certificate.ts';

const day = 24 * 60 * 60 * 1000;
const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cwa-tls-'));
  dirs.push(dir);
  return join(dir, 'tls');
}

void describe('local TLS certificate', () => {
  void test('is made for localhost, 127.0.0.1 and ::1, with an owner-only key', async () => {
    const dir = await freshDir();

    const made = await ensureTlsCertificate(dir);

    const cert = new X509Certificate(made.cert);
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkHost('example.com'), undefined);
    assert.equal(made.certFile, join(dir, 'cert.pem'));
    assert.equal((await stat(join(dir, 'key.pem'))).mode & 0o777, 0o600);
  });

  void test('is kept across starts, so a client that trusts it keeps trusting it', async () => {
    const dir = await freshDir();
    const first = await ensureTlsCertificate(dir);

    const again = await ensureTlsCertificate(dir, new Date(Date.now() + 30 * day));

    assert.equal(again.cert, first.cert);
    assert.equal(again.key, first.key);
  });

  void test('is made again when the kept one is about to expire', async () => {
    const dir = await freshDir();
    const first = await ensureTlsCertificate(dir);
    const lastDay = new Date(new X509Certificate(first.cert).validTo).getTime() - day / 2;

    const renewed = await ensureTlsCertificate(dir, new Date(lastDay));

    assert.notEqual(renewed.cert, first.cert);
    assert.ok(new Date(new X509Certificate(renewed.cert).validTo).getTime() > lastDay + 300 * day);
  });

  void test('is made again when the kept files are damaged or do not belong together', async () => {
    const dir = await freshDir();
    const first = await ensureTlsCertificate(dir);
    const other = await ensureTlsCertificate(await freshDir());
    await writeFile(join(dir, 'key.pem'), other.key);

    const replaced = await ensureTlsCertificate(dir);
    await writeFile(join(dir, 'cert.pem'), 'not a certificate');
    const repaired = await ensureTlsCertificate(dir);

    assert.notEqual(replaced.cert, first.cert);
    assert.notEqual(repaired.cert, replaced.cert);
    assert.ok(new X509Certificate(repaired.cert).checkPrivateKey(createPrivateKey(repaired.key)));
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kdcAvailable, startKdc, type Kdc } from '../support/mit-kdc.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

const available = kdcAvailable();
const alice = { name: 'alice', password: 'alice-kerberos-pass' };
const service = 'HTTP/localhost';
let kdc: Kdc;
let rt: TestRuntime;
let dataDir: string;
let keytab: string;

before(async () => {
  if (available !== true) return;
  kdc = await startKdc({ users: [alice], services: [service] });
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-keytab-reload-'));
  keytab = join(dataDir, 'kerberos.keytab');
  await copyFile(kdc.keytab, keytab);
  rt = await startTestRuntime({
    dataDir,
    handlerSettings: {
      KERBEROS_REALM_DOMAINS: 'EXAMPLE.TEST=CONTOSO',
      KERBEROS_SERVICE_PRINCIPAL: `${service}@EXAMPLE.TEST`,
    },
  });
});
after(async () => {
  await rt?.close();
  await kdc?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** `curl --negotiate` with a fresh ticket of alice's, so the service ticket is for the service's current key. */
async function signIn(): Promise<{ status: number; body: string }> {
  const ccache = await kdc.kinit(alice);
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      [
        '-s',
        '--max-time',
        '10',
        '--negotiate',
        '-u',
        ':',
        '-w',
        '\n%{http_code}',
        `${rt.internalUrl}/auth/windows`,
      ],
      { env: kdc.clientEnv(ccache) },
      (err, stdout) => {
        if (err) return reject(err);
        const at = stdout.lastIndexOf('\n');
        resolve({ status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) });
      },
    );
  });
}

/** A new key for the service in the KDC (its key version goes up), exported into a keytab of its own. */
async function rotateServiceKey(): Promise<string> {
  await kdc.kadmin(`cpw -randkey ${service}`);
  const fresh = join(dataDir, `fresh-${Date.now()}.keytab`);
  await kdc.exportKeytab(service, fresh);
  return fresh;
}

const errorOf = (body: string): string => (JSON.parse(body) as { error: string }).error;

describe(
  'a replaced keytab is read again, without a restart',
  { skip: available === true ? false : available },
  () => {
    it('signs in with the keytab it started with', async () => {
      assert.equal((await signIn()).status, 200);
    });

    it('takes a new key version once the keytab file is replaced (renamed over)', async () => {
      const fresh = await rotateServiceKey();
      const stale = await signIn();
      assert.equal(stale.status, 401, stale.body);
      assert.equal(errorOf(stale.body), 'kerberos_wrong_key_version');

      await rename(fresh, keytab);

      const response = await signIn();
      assert.equal(response.status, 200, response.body);
    });

    it('takes a new key written over the file in place (as cp does)', async () => {
      const fresh = await rotateServiceKey();

      await writeFile(keytab, await readFile(fresh));

      const response = await signIn();
      assert.equal(response.status, 200, response.body);
    });

    it('keeps the keys it holds while the file is replaced by something unusable, and takes the next good one', async () => {
      const good = await readFile(keytab);

      await writeFile(keytab, good.subarray(0, good.length - 7));
      const meanwhile = await signIn();
      await writeFile(keytab, 'half written');
      const stillMeanwhile = await signIn();
      const fresh = await rotateServiceKey();
      await writeFile(keytab, await readFile(fresh));
      const after = await signIn();

      assert.equal(meanwhile.status, 200, meanwhile.body);
      assert.equal(stillMeanwhile.status, 200, stillMeanwhile.body);
      assert.equal(after.status, 200, after.body);
    });

    it('keeps the keys it holds while the file is gone', async () => {
      const good = await readFile(keytab);
      await rm(keytab);

      const response = await signIn();
      await writeFile(keytab, good);

      assert.equal(response.status, 200, response.body);
    });
  },
);

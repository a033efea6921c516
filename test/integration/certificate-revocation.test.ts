import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startProductProcess } from './support/product-process.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';
import { asn1Time, makePki, opensslAvailable, type Pki, type PkiCard } from '../support/openssl-pki.ts';

// A smart card hierarchy as organisations run one: a root, an issuing CA under it, and the issuing
// CA's revocation list. The runtime trusts the root only (CLIENT_CERT_CA_FILE) and reads the CRL
// from CLIENT_CERT_CRL_FILE; clients send their certificate with the issuing CA's, as smart card
// middleware does.
const available = opensslAvailable();
const repo = fileURLToPath(new URL('../../', import.meta.url));
let rt: TestRuntime;
let dir: string;
let pki: Pki;
let crlFile: string;
const cards: Record<'alice' | 'aliceRevoked' | 'bob' | 'alice2', PkiCard> = {} as never;

/** Puts a new CRL in place as an administrator's job would: written beside it, then renamed over it. */
async function publishCrl(data: Buffer): Promise<void> {
  await writeFile(`${crlFile}.new`, data);
  await rename(`${crlFile}.new`, crlFile);
}

before(async () => {
  if (available !== true) return;
  dir = await mkdtemp(join(tmpdir(), 'cwa-certificate-revocation-'));
  pki = makePki(join(dir, 'pki'));
  cards.alice = pki.issue('alice', { cn: 'Alice Ahn', email: 'alice@contoso.com' });
  cards.aliceRevoked = pki.issue('alice-lost', { cn: 'Alice Ahn', email: 'alice@contoso.com' });
  cards.bob = pki.issue('bob', { cn: 'Bob', email: 'bob@contoso.com' });
  cards.alice2 = pki.issue('alice-spare', { cn: 'Alice Ahn', email: 'alice@contoso.com' });
  pki.revoke(cards.aliceRevoked);
  crlFile = join(dir, 'smart-card.crl');
  await publishCrl(pki.crl());
  rt = await startTestRuntime({
    tls: true,
    handlerSettings: {
      CLIENT_CERT_SITES: 'internal,external',
      CLIENT_CERT_CA_FILE: pki.rootFile,
      CLIENT_CERT_CRL_FILE: crlFile,
    },
  });
});
after(async () => {
  await rt?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** `GET /auth/certificate` as JSON over a fresh connection presenting `cert` (PEM, chain allowed). */
function signIn(cert: string, key: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${rt.internal}/auth/certificate`,
      { agent: false, ca: rt.tls?.certificate, cert, key, headers: { accept: 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function expectError(answer: Answer, status: number, code: string) {
  assert.equal(answer.status, status, `expected ${status} ${code}: ${answer.body}`);
  assert.equal((JSON.parse(answer.body) as { error: string }).error, code);
}

const signedInAs = (answer: Answer): string => {
  assert.equal(answer.status, 200, answer.body);
  return (JSON.parse(answer.body) as { user: { sipUri: string } }).user.sipUri;
};

describe('smart card revocation and chains', { skip: available === true ? false : available }, () => {
  it('signs in with a card from the issuing CA the client sends along, the CA file holding only the root', async () => {
    assert.equal(signedInAs(await signIn(cards.alice.chain, cards.alice.key)), 'sip:alice@contoso.com');
  });

  it('refuses a revoked card (401 certificate_revoked) that the TLS layer accepted', async () => {
    expectError(await signIn(cards.aliceRevoked.chain, cards.aliceRevoked.key), 401, 'certificate_revoked');
  });

  it('refuses a card sent without the issuing CA, whose chain cannot be built (401 certificate_required)', async () => {
    expectError(await signIn(cards.bob.cert, cards.bob.key), 401, 'certificate_required');
  });

  it('honours a CRL replaced on disk from the next sign-in, without a restart', async () => {
    assert.equal(signedInAs(await signIn(cards.alice2.chain, cards.alice2.key)), 'sip:alice@contoso.com');

    pki.revoke(cards.alice2);
    await publishCrl(pki.crl({ der: true }));

    expectError(await signIn(cards.alice2.chain, cards.alice2.key), 401, 'certificate_revoked');
    assert.equal(signedInAs(await signIn(cards.alice.chain, cards.alice.key)), 'sip:alice@contoso.com');
  });

  it('refuses every card while the CRL is past its next update, or unreadable (503 certificate_status_unavailable)', async () => {
    const day = 24 * 60 * 60 * 1000;
    await publishCrl(
      pki.crl({
        lastUpdate: asn1Time(new Date(Date.now() - 3 * day)),
        nextUpdate: asn1Time(new Date(Date.now() - day)),
      }),
    );
    expectError(await signIn(cards.alice.chain, cards.alice.key), 503, 'certificate_status_unavailable');

    await publishCrl(Buffer.from('-----BEGIN X509 CRL-----\ntruncated'));
    expectError(await signIn(cards.alice.chain, cards.alice.key), 503, 'certificate_status_unavailable');

    await publishCrl(pki.crl());
    assert.equal(signedInAs(await signIn(cards.alice.chain, cards.alice.key)), 'sip:alice@contoso.com');
  });
});

describe('the CRL setting is checked at start', { skip: available === true ? false : available }, () => {
  /** Starts `npm start --tls` with these settings: how it failed to start. */
  async function startRefusal(settings: Record<string, string>): Promise<string> {
    try {
      const product = await startProductProcess(
        process.execPath,
        ['--import', 'tsx', 'local/main.ts', '--tls'],
        {
          cwd: repo,
          env: {
            ...process.env,
            DATA_DIR: await mkdtemp(join(dir, 'data-')),
            PORT: '0',
            EXTERNAL_PORT: '0',
            CLIENT_CERT_SITES: 'internal',
            CLIENT_CERT_CA_FILE: pki.rootFile,
            ...settings,
          },
          readyMs: 120_000,
        },
      );
      const banner = product.output();
      await product.stop();
      assert.fail(`started although the settings are wrong:\n${banner}`);
    } catch (err) {
      const message = (err as Error).message;
      if (!/^exited with /.test(message)) throw err;
      assert.match(message, /^exited with [1-9]/, 'a non-zero exit');
      return message;
    }
  }

  it('npm start refuses a CRL file that is missing or holds no CRL, naming the setting', async () => {
    assert.match(
      await startRefusal({ CLIENT_CERT_CRL_FILE: join(dir, 'missing.crl') }),
      /CLIENT_CERT_CRL_FILE \S*missing\.crl cannot be read/,
    );
    const garbage = join(dir, 'garbage.crl');
    await writeFile(garbage, 'not a revocation list\n');
    assert.match(
      await startRefusal({ CLIENT_CERT_CRL_FILE: garbage }),
      /CLIENT_CERT_CRL_FILE \S*garbage\.crl: holds no CRL/,
    );
  });
});

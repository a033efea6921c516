import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { demo } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';
import {
  makeCa,
  makeClientCertificate,
  type TestCa,
  type TestClientCertificate,
} from '../support/certificates.ts';

let rt: TestRuntime;
let dir: string;
let ca: TestCa;
const cards: Record<string, TestClientCertificate> = {};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cwa-certificates-'));
  ca = await makeCa('Contoso Smart Card CA');
  const stranger = await makeCa('Somebody Else CA');
  const day = 24 * 60 * 60 * 1000;
  Object.assign(cards, {
    alice: await makeClientCertificate(ca, { cn: 'Alice Ahn', email: 'alice@contoso.com' }),
    carol: await makeClientCertificate(ca, { cn: 'Carol', email: 'carol@contoso.com' }),
    erin: await makeClientCertificate(ca, { cn: 'Erin', email: 'erin@contoso.com' }),
    mallory: await makeClientCertificate(ca, { cn: 'Mallory', email: 'mallory@contoso.com' }),
    noEmail: await makeClientCertificate(ca, { cn: 'Nobody' }),
    expired: await makeClientCertificate(
      ca,
      { cn: 'Alice Ahn', email: 'alice@contoso.com' },
      { notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) },
    ),
    serverOnly: await makeClientCertificate(
      ca,
      { cn: 'Alice Ahn', email: 'alice@contoso.com' },
      { serverAuthOnly: true },
    ),
    foreign: await makeClientCertificate(stranger, { cn: 'Alice Ahn', email: 'alice@contoso.com' }),
  });
  await writeFile(join(dir, 'smart-card-ca.pem'), ca.cert);
  rt = await startTestRuntime({
    tls: true,
    handlerSettings: {
      CLIENT_CERT_SITES: 'internal,external',
      CLIENT_CERT_CA_FILE: join(dir, 'smart-card-ca.pem'),
    },
  });
});
after(async () => {
  await rt?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTPS request with (or without) a client certificate, on a fresh connection. */
function get(
  base: string,
  path: string,
  card?: TestClientCertificate,
  accept = 'application/json',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        agent: false,
        ca: rt.tls?.certificate,
        ...(card ? { cert: card.cert, key: card.key } : {}),
        headers: { accept },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
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

describe('smart card (client certificate) sign-in', () => {
  it('links the method from the chooser', async () => {
    assert.match((await get(rt.internal, '/', undefined, 'text/html')).body, /href="\/auth\/certificate"/);
  });

  it('signs in with a certificate from the trusted CA, naming the user by its e-mail address', async () => {
    const answer = await get(rt.internal, '/auth/certificate', cards.alice, 'text/html');

    assert.equal(answer.status, 303);
    assert.equal(answer.headers.location, '/app/');
    const cookie = (answer.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
    const session = await new Promise<Answer>((resolve, reject) => {
      const req = request(
        `${rt.internal}/api/session`,
        { agent: false, ca: rt.tls?.certificate, headers: { cookie } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    const body = JSON.parse(session.body) as { user: { sipUri: string }; authMethod: string };
    assert.equal(body.user.sipUri, demo.alice.sipUri);
    assert.equal(body.authMethod, 'certificate');
  });

  it('answers JSON to a client that asks for it', async () => {
    const answer = await get(rt.external, '/auth/certificate', cards.alice);
    assert.equal(answer.status, 200);
    assert.deepEqual((JSON.parse(answer.body) as { user: unknown }).user, {
      sipUri: demo.alice.sipUri,
      displayName: 'Alice Ahn',
    });
  });

  it('refuses a connection without a certificate (401 certificate_required), while other methods still work there', async () => {
    expectError(await get(rt.internal, '/auth/certificate'), 401, 'certificate_required');
    assert.equal((await get(rt.internal, '/auth/forms', undefined, 'text/html')).status, 200);
  });

  it('refuses certificates the TLS layer does not accept: another CA, expired, not for client authentication', async () => {
    for (const card of [cards.foreign, cards.expired, cards.serverOnly]) {
      expectError(await get(rt.internal, '/auth/certificate', card), 401, 'certificate_required');
    }
  });

  it('refuses a holder the directory does not know, or a certificate naming nobody (403 certificate_user_unknown)', async () => {
    expectError(await get(rt.internal, '/auth/certificate', cards.mallory), 403, 'certificate_user_unknown');
    expectError(await get(rt.internal, '/auth/certificate', cards.noEmail), 403, 'certificate_user_unknown');
  });

  it('applies the same policy as every sign-in', async () => {
    expectError(await get(rt.internal, '/auth/certificate', cards.erin), 403, 'user_disabled');
    expectError(await get(rt.external, '/auth/certificate', cards.carol), 403, 'remote_access_denied');
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authenticateMessage, negotiateMessage } from '../support/ntlm-client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

/** curl with NTLM support (Debian's curl; `.ci/run` installs it). In CI a missing curl fails loudly. */
function curlAvailable(): true | string {
  if (existsSync('/usr/bin/curl')) return true;
  const reason = '/usr/bin/curl is missing: apt-get install -y curl';
  if (process.env.CI) throw new Error(reason);
  return reason;
}

const available = curlAvailable();
const user = (username: string, extra: Record<string, unknown> = {}) => ({
  username,
  password: `${username}-ntlm-pass`,
  sipUri: `sip:${username}@contoso.com`,
  displayName: username[0]?.toUpperCase() + username.slice(1),
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
  ntlm: true,
  ...extra,
});
const seed = {
  domain: 'CONTOSO',
  users: [
    user('alice'),
    user('bob', { ntlm: false }),
    user('erin', { enabled: false }),
    user('frank'),
    user('grace'),
    user('heidi'),
  ],
};
let rt: TestRuntime;
let dataDir: string;

before(async () => {
  if (available !== true) return;
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-ntlm-'));
  const seedPath = join(dataDir, 'seed.json');
  await writeFile(seedPath, JSON.stringify(seed));
  // 127.0.0.1 is trusted as a TLS-terminating proxy so a test can say a request came in plain HTTP.
  rt = await startTestRuntime({
    dataDir,
    seedPath,
    trustedProxies: '127.0.0.1',
    handlerSettings: { NTLM_DOMAIN: 'CONTOSO', KERBEROS_REALM_DOMAINS: 'CONTOSO.TEST=CONTOSO' },
  });
});
after(async () => {
  await rt?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface CurlResponse {
  status: number;
  headers: Map<string, string[]>;
  body: string;
}

/** `curl --ntlm -u user:password`, as a user would type it: no cookie jar, one connection. */
function curlNtlm(credentials: string, url: string): Promise<CurlResponse> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-i', '--max-time', '10', '--ntlm', '-u', credentials, url], (err, stdout) => {
      if (err) return reject(err);
      // curl prints the challenge (401) before the final answer; the last block is the answer.
      const blocks = stdout.split(/\r\n\r\n(?=HTTP\/)/);
      const [head = '', body = ''] = (blocks[blocks.length - 1] ?? '').split(/\r\n\r\n/, 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map<string, string[]>();
      for (const line of lines) {
        const at = line.indexOf(':');
        const name = line.slice(0, at).toLowerCase();
        headers.set(name, [...(headers.get(name) ?? []), line.slice(at + 1).trim()]);
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

const password = (name: string) => `${name}-ntlm-pass`;
const errorOf = (response: CurlResponse): string => (JSON.parse(response.body) as { error: string }).error;

/** The first leg by hand: a NEGOTIATE message, answered with the CHALLENGE message. */
async function challenge(headers: Record<string, string> = {}): Promise<Buffer> {
  const response = await fetch(`${rt.internal}/auth/windows`, {
    headers: { authorization: `NTLM ${negotiateMessage().toString('base64')}`, ...headers },
  });
  assert.equal(response.status, 401);
  const header = response.headers.get('www-authenticate') ?? '';
  assert.match(header, /^NTLM [A-Za-z0-9+/=]+$/);
  return Buffer.from(header.slice(5), 'base64');
}

const answer = (message: Buffer) =>
  fetch(`${rt.internal}/auth/windows`, { headers: { authorization: `NTLM ${message.toString('base64')}` } });

/** An NTLM answer sent to this site with the `Host` and headers a relaying attacker chooses. */
function relay(message: Buffer, headers: Record<string, string>): Promise<{ status: number; error: string }> {
  const url = new URL(`${rt.internal}/auth/windows`);
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      { headers: { host: url.host, ...headers, authorization: `NTLM ${message.toString('base64')}` } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { error?: string };
          resolve({ status: response.statusCode ?? 0, error: body.error ?? '' });
        });
      },
    );
    sent.on('error', reject).setTimeout(10_000, () => sent.destroy(new Error('no answer in 10 s')));
    sent.end();
  });
}

describe(
  'Windows sign-in with NTLM, curl --ntlm against the embedded runtime',
  { skip: available === true ? false : available },
  () => {
    it('signs alice in with curl --ntlm -u user:password: ticket cookie and a windows session', async () => {
      const response = await curlNtlm(`alice:${password('alice')}`, `${rt.internalUrl}/auth/windows`);

      assert.equal(response.status, 200, response.body);
      assert.deepEqual(JSON.parse(response.body).user, {
        sipUri: 'sip:alice@contoso.com',
        displayName: 'Alice',
      });
      const cookie = response.headers.get('set-cookie')?.find((c) => c.startsWith('__Host-cwa-ticket-'));
      assert.ok(cookie, 'a ticket cookie');
      const session = await fetch(`${rt.internal}/api/session`, {
        headers: { cookie: cookie.split(';')[0] ?? '' },
      });
      assert.equal(session.status, 200);
      assert.equal(((await session.json()) as { authMethod: string }).authMethod, 'ntlm');
    });

    it('takes DOMAIN\\user and user@dns.domain, and quick sign-in lands on the client app', async () => {
      const netbios = await curlNtlm(
        `CONTOSO\\alice:${password('alice')}`,
        `${rt.internalUrl}/auth/windows/quick`,
      );
      const upn = await curlNtlm(`alice@contoso.test:${password('alice')}`, `${rt.internalUrl}/auth/windows`);

      assert.equal(netbios.status, 303);
      assert.equal(netbios.headers.get('location')?.[0], '/app/');
      assert.equal(upn.status, 200, upn.body);
    });

    it('answers a wrong password, an unknown user and a user without NTLM alike: 401 invalid_credentials', async () => {
      const wrong = await curlNtlm('alice:not-the-password', `${rt.internalUrl}/auth/windows`);
      const unknown = await curlNtlm('mallory:whatever', `${rt.internalUrl}/auth/windows`);
      // bob is a user with the right password, but NTLM is not enabled for him: no NT hash is stored.
      const noNtlm = await curlNtlm(`bob:${password('bob')}`, `${rt.internalUrl}/auth/windows`);

      for (const response of [wrong, unknown, noNtlm]) {
        assert.equal(response.status, 401, response.body);
        assert.equal(errorOf(response), 'invalid_credentials');
      }
      assert.equal(wrong.body, noNtlm.body);
      assert.equal(unknown.body, noNtlm.body);
    });

    it('applies the same policy as forms sign-in: a disabled user is refused', async () => {
      const response = await curlNtlm(`erin:${password('erin')}`, `${rt.internalUrl}/auth/windows`);

      assert.equal(response.status, 403);
      assert.equal(errorOf(response), 'user_disabled');
    });

    it('locks an account after repeated wrong NTLM answers, for forms sign-in too', async () => {
      for (let i = 0; i < 5; i++) await curlNtlm('frank:wrong', `${rt.internalUrl}/auth/windows`);

      const ntlm = await curlNtlm(`frank:${password('frank')}`, `${rt.internalUrl}/auth/windows`);
      const forms = await fetch(`${rt.internal}/auth/forms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domain: 'CONTOSO', username: 'frank', password: password('frank') }),
      });

      assert.equal(ntlm.status, 429);
      assert.equal(errorOf(ntlm), 'too_many_attempts');
      assert.equal(forms.status, 429);
    });

    it('challenges a client without credentials with NTLM when Kerberos is not configured', async () => {
      const response = await fetch(`${rt.internal}/auth/windows`);

      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'NTLM');
      assert.equal(((await response.json()) as { error: string }).error, 'windows_auth_required');
    });

    it('finds the challenge without a cookie, and lets it be answered once', async () => {
      const message = authenticateMessage(await challenge(), {
        user: 'grace',
        domain: 'CONTOSO',
        password: password('grace'),
        mic: true,
      });

      const first = await answer(message);
      const replay = await answer(message);

      assert.equal(first.status, 200);
      assert.equal(replay.status, 401);
      assert.equal(((await replay.json()) as { error: string }).error, 'ntlm_challenge_expired');
      assert.match(replay.headers.get('www-authenticate') ?? '', /NTLM/);
    });

    it('refuses an answer made for another server (MsvAvTargetName), and takes one made for this host', async () => {
      const answerFor = async (targetName: string) =>
        answer(
          authenticateMessage(await challenge(), {
            user: 'grace',
            domain: 'CONTOSO',
            password: password('grace'),
            mic: true,
            targetName,
          }),
        );

      // What a relay would bring: the victim's Chromium answered evil.example.
      const relayed = await answerFor('HTTP/evil.example');
      assert.equal(relayed.status, 401);
      assert.equal(((await relayed.json()) as { error: string }).error, 'ntlm_target_mismatch');
      assert.match(relayed.headers.get('www-authenticate') ?? '', /NTLM/);

      // What Chromium sends for this site: HTTP/ and the host it addressed, port included.
      const direct = await answerFor(`HTTP/${new URL(rt.internal).host.toUpperCase()}`);
      assert.equal(direct.status, 200, await direct.clone().text());
    });

    it('refuses an answer relayed from evil.example, whatever Host or X-Forwarded-Host the relay sends', async () => {
      // The victim's Chromium answered evil.example:PORT; the attacker forwards its answer here,
      // naming his own host as the one this request was addressed to. (127.0.0.1 is a trusted proxy
      // in this suite, so its X-Forwarded-Host even reaches the handler: it still does not count.)
      const evil = `evil.example:${new URL(rt.internal).port}`;
      const relayedAnswer = async () =>
        authenticateMessage(await challenge(), {
          user: 'heidi',
          domain: 'CONTOSO',
          password: password('heidi'),
          mic: true,
          targetName: `HTTP/${evil}`,
        });

      const forged: Record<string, string>[] = [
        {},
        { 'x-forwarded-host': evil },
        { host: evil },
        { host: evil, 'x-forwarded-host': evil },
      ];
      for (const headers of forged) {
        const relayed = await relay(await relayedAnswer(), headers);

        assert.deepEqual(relayed, { status: 401, error: 'ntlm_target_mismatch' }, JSON.stringify(headers));
      }
    });

    it('takes an answer made for any of the site’s public origins: localhost and 127.0.0.1', async () => {
      for (const origin of [rt.internalUrl, rt.internal]) {
        const made = authenticateMessage(await challenge(), {
          user: 'heidi',
          domain: 'CONTOSO',
          password: password('heidi'),
          mic: true,
          targetName: `HTTP/${new URL(origin).host}`,
        });

        const response = await answer(made);

        assert.equal(response.status, 200, `${origin}: ${await response.text()}`);
      }
    });

    it('refuses NTLMv1 answers', async () => {
      const message = authenticateMessage(await challenge(), {
        user: 'grace',
        domain: 'CONTOSO',
        password: password('grace'),
        ntlmv1: true,
      });

      const response = await answer(message);

      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error: string }).error, 'ntlm_unsupported');
    });

    it('answers malformed NTLM messages with 400 negotiate_malformed', async () => {
      for (const token of [
        'TlRMTVNTUAAB',
        'TlRMTVNTUAADAAAA',
        Buffer.from('NTLMSSP\0\x03\0\0\0').toString('base64'),
      ]) {
        const response = await fetch(`${rt.internal}/auth/windows`, {
          headers: { authorization: `NTLM ${token}` },
        });
        assert.equal(response.status, 400, token);
        assert.equal(((await response.json()) as { error: string }).error, 'negotiate_malformed');
      }
    });

    it('refuses NTLM over plain HTTP from another machine before any credentials are sent', async () => {
      const response = await fetch(`${rt.internal}/auth/windows`, {
        headers: {
          authorization: `NTLM ${negotiateMessage().toString('base64')}`,
          'x-forwarded-for': '203.0.113.5',
          'x-forwarded-proto': 'http',
        },
      });

      assert.equal(response.status, 403);
      assert.equal(((await response.json()) as { error: string }).error, 'https_required');
    });

    it('is not published on the external site', async () => {
      const response = await fetch(`${rt.external}/auth/windows`, {
        headers: { authorization: `NTLM ${negotiateMessage().toString('base64')}` },
      });

      assert.equal(response.status, 404);
    });
  },
);

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initiate, mitGssapiAvailable } from '../support/kerberos-initiator.ts';
import { negotiateMessage } from '../support/ntlm-client.ts';
import { kdcAvailable, startKdc, type Kdc } from '../support/mit-kdc.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

const available = kdcAvailable();
// One test replays a token from MIT's initiator (the optional kerberos package); curl drives the rest.
const gssapi = available === true ? mitGssapiAvailable() : available;
const users = {
  alice: { name: 'alice', password: 'alice-kerberos-pass' },
  erin: { name: 'erin', password: 'erin-kerberos-pass' },
  mallory: { name: 'mallory', password: 'mallory-kerberos-pass' },
};
let kdc: Kdc;
let rt: TestRuntime;
let dataDir: string;
const ccaches: Record<string, string> = {};

before(async () => {
  if (available !== true) return;
  kdc = await startKdc({ users: Object.values(users), services: ['HTTP/localhost'] });
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-windows-'));
  await copyFile(kdc.keytab, join(dataDir, 'kerberos.keytab'));
  rt = await startTestRuntime({
    dataDir,
    handlerSettings: { KERBEROS_REALM_DOMAINS: 'EXAMPLE.TEST=CONTOSO' },
  });
  for (const user of Object.values(users)) ccaches[user.name] = await kdc.kinit(user);
});
after(async () => {
  await rt?.close();
  await kdc?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface CurlResponse {
  status: number;
  headers: Map<string, string[]>;
  body: string;
}

/** curl with MIT's GSSAPI, as a user would run it; the site is addressed as localhost (HTTP/localhost). */
function curl(ccache: string, url: string, extra: string[] = []): Promise<CurlResponse> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-s', '-i', '--max-time', '10', '--negotiate', '-u', ':', ...extra, url],
      { env: kdc.clientEnv(ccache) },
      (err, stdout) => {
        if (err) return reject(err);
        // With --negotiate curl may print the 401 before the final answer; the last block is the answer.
        const blocks = stdout.split(/\r\n\r\n(?=HTTP\/)/);
        const last = blocks[blocks.length - 1] ?? '';
        const [head = '', body = ''] = last.split(/\r\n\r\n/, 2);
        const [statusLine = '', ...lines] = head.split('\r\n');
        const headers = new Map<string, string[]>();
        for (const line of lines) {
          const at = line.indexOf(':');
          const name = line.slice(0, at).toLowerCase();
          headers.set(name, [...(headers.get(name) ?? []), line.slice(at + 1).trim()]);
        }
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
      },
    );
  });
}

const cookieOf = (response: CurlResponse): string => {
  const cookie = response.headers.get('set-cookie')?.find((c) => c.startsWith('__Host-cwa-ticket-'));
  assert.ok(cookie, 'a ticket cookie');
  return cookie.split(';')[0] ?? '';
};

describe(
  'Windows sign-in with Kerberos, curl --negotiate against the embedded runtime',
  { skip: available === true ? false : available },
  () => {
    it("signs alice in: ticket cookie, the server's mutual-authentication token, and a windows session", async () => {
      const response = await curl(ccaches.alice ?? '', `${rt.internalUrl}/auth/windows`);

      assert.equal(response.status, 200, response.body);
      assert.deepEqual(JSON.parse(response.body).user, {
        sipUri: 'sip:alice@contoso.com',
        displayName: 'Alice Ahn',
      });
      assert.match(response.headers.get('www-authenticate')?.[0] ?? '', /^Negotiate [A-Za-z0-9+/=]{20,}$/);
      const session = await fetch(`${rt.internal}/api/session`, { headers: { cookie: cookieOf(response) } });
      assert.equal(session.status, 200);
      const body = (await session.json()) as { authMethod: string; site: string };
      assert.equal(body.authMethod, 'kerberos');
      assert.equal(body.site, 'internal');
    });

    it('quick sign-in lands on the client app with no prompt', async () => {
      const response = await curl(ccaches.alice ?? '', `${rt.internalUrl}/auth/windows/quick`);

      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location')?.[0], '/app/');
      cookieOf(response);
    });

    it('challenges a client that sends no credentials with Negotiate', async () => {
      const response = await fetch(`${rt.internal}/auth/windows`);

      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Negotiate/);
      assert.equal(((await response.json()) as { error: string }).error, 'windows_auth_required');
    });

    it('is linked from the internal chooser and not published on the external site', async () => {
      const internal = await (await fetch(`${rt.internal}/`)).text();
      const external = await (await fetch(`${rt.external}/`)).text();
      const refused = await fetch(`${rt.external}/auth/windows`, {
        headers: { authorization: 'Negotiate YIIB' },
      });

      assert.match(internal, /href="\/auth\/windows"/);
      assert.doesNotMatch(external, /\/auth\/windows/);
      assert.equal(refused.status, 404);
    });

    it('refuses a principal that is no user of the directory', async () => {
      const response = await curl(ccaches.mallory ?? '', `${rt.internalUrl}/auth/windows`);

      assert.equal(response.status, 403);
      assert.equal(JSON.parse(response.body).error, 'windows_user_unknown');
    });

    it('applies the same policy as forms sign-in: a disabled user is refused', async () => {
      const response = await curl(ccaches.erin ?? '', `${rt.internalUrl}/auth/windows`);

      assert.equal(response.status, 403);
      assert.equal(JSON.parse(response.body).error, 'user_disabled');
    });

    it(
      'refuses a captured token played a second time',
      { skip: gssapi === true ? false : gssapi },
      async () => {
        const { token } = await initiate(kdc, ccaches.alice ?? '');
        const send = () =>
          fetch(`${rt.internal}/auth/windows`, {
            headers: { authorization: `Negotiate ${token.toString('base64')}` },
          });

        assert.equal((await send()).status, 200);
        const replay = await send();
        assert.equal(replay.status, 401);
        assert.equal(((await replay.json()) as { error: string }).error, 'kerberos_replay');
      },
    );

    it('refuses NTLM while the server has it off (no NTLM_DOMAIN): 403 ntlm_not_enabled', async () => {
      const response = await fetch(`${rt.internal}/auth/windows`, {
        headers: { authorization: `NTLM ${negotiateMessage().toString('base64')}` },
      });

      assert.equal(response.status, 403);
      assert.equal(((await response.json()) as { error: string }).error, 'ntlm_not_enabled');
    });

    it('answers a malformed token with 400 and a clear code', async () => {
      for (const authorization of ['Negotiate !!!', 'Negotiate YIIB', 'Negotiate']) {
        const response = await fetch(`${rt.internal}/auth/windows`, { headers: { authorization } });
        assert.equal(response.status, 400, authorization);
        assert.equal(((await response.json()) as { error: string }).error, 'negotiate_malformed');
      }
    });
  },
);

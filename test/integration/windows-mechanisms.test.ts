import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apReqOf, tokenOf } from '../support/kerberos-forge.ts';
import { initiate, mitGssapiAvailable } from '../support/kerberos-initiator.ts';
import { kdcAvailable, startKdc, type Kdc } from '../support/mit-kdc.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

// A real MIT KDC and curl (--negotiate, --ntlm); the replay test also drives MIT's initiator.
const available = kdcAvailable();
const gssapi = available === true ? mitGssapiAvailable() : available;
const alice = { name: 'alice', password: 'alice-windows-pass' };
const seed = {
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
};
let kdc: Kdc;
let rt: TestRuntime;
let dataDir: string;
let ccache: string;
const lines: string[] = [];
const write = process.stdout.write.bind(process.stdout);

before(async () => {
  if (available !== true) return;
  kdc = await startKdc({ users: [alice], services: ['HTTP/localhost'] });
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-windows-mech-'));
  await copyFile(kdc.keytab, join(dataDir, 'kerberos.keytab'));
  const seedPath = join(dataDir, 'seed.json');
  await writeFile(seedPath, JSON.stringify(seed));
  rt = await startTestRuntime({
    dataDir,
    seedPath,
    handlerSettings: { NTLM_DOMAIN: 'CONTOSO', KERBEROS_REALM_DOMAINS: 'EXAMPLE.TEST=CONTOSO' },
  });
  ccache = await kdc.kinit(alice);
  // Handlers run in this process, so their audit lines pass through this stream.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    lines.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
});
after(async () => {
  process.stdout.write = write;
  await rt?.close();
  await kdc?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

type Audit = Record<string, string>;
const auditEvents = (): Audit[] =>
  lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { message?: string; audit?: Audit })
    .filter((entry) => entry.message === 'audit' && entry.audit)
    .map((entry) => entry.audit as Audit);

/** curl as a user would run it; answers the final status, its ticket cookie and body. */
function curl(
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ status: number; cookie: string; body: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-i', '--max-time', '10', ...args], { env }, (err, stdout) => {
      if (err) return reject(err);
      // The challenge (401) comes first; the last block is the answer.
      const blocks = stdout.split(/\r\n\r\n(?=HTTP\/)/);
      const [head = '', body = ''] = (blocks[blocks.length - 1] ?? '').split(/\r\n\r\n/, 2);
      const cookie = /^set-cookie: (__Host-cwa-ticket-[^;]+)/im.exec(head)?.[1] ?? '';
      resolve({ status: Number(head.split(' ')[1]), cookie, body });
    });
  });
}

async function sessionOf(cookie: string): Promise<{ authMethod: string; account?: string }> {
  const response = await fetch(`${rt.internal}/api/session`, { headers: { cookie } });
  assert.equal(response.status, 200);
  return (await response.json()) as { authMethod: string; account?: string };
}

/** The latest `signin.succeeded` line (tests run one after another). */
const lastSignIn = (): Audit | undefined => auditEvents().findLast((e) => e.event === 'signin.succeeded');

describe(
  'Windows sign-in records the mechanism and the account that signed in',
  { skip: available === true ? false : available },
  () => {
    it('a Kerberos sign-in shows kerberos and alice@EXAMPLE.TEST in the session and the audit line', async () => {
      const signedIn = await curl(
        ['--negotiate', '-u', ':', `${rt.internalUrl}/auth/windows`],
        kdc.clientEnv(ccache),
      );

      assert.equal(signedIn.status, 200, signedIn.body);
      const session = await sessionOf(signedIn.cookie);
      assert.equal(session.authMethod, 'kerberos');
      assert.equal(session.account, 'alice@EXAMPLE.TEST');
      assert.deepEqual(
        { method: lastSignIn()?.method, account: lastSignIn()?.account, sipUri: lastSignIn()?.sipUri },
        { method: 'kerberos', account: 'alice@EXAMPLE.TEST', sipUri: 'sip:alice@contoso.com' },
      );
    });

    it('an NTLM sign-in shows ntlm and CONTOSO\\alice in the session and the audit line', async () => {
      const signedIn = await curl([
        '--ntlm',
        '-u',
        `alice:${alice.password}`,
        `${rt.internalUrl}/auth/windows`,
      ]);

      assert.equal(signedIn.status, 200, signedIn.body);
      const session = await sessionOf(signedIn.cookie);
      assert.equal(session.authMethod, 'ntlm');
      assert.equal(session.account, 'CONTOSO\\alice');
      assert.deepEqual(
        { method: lastSignIn()?.method, account: lastSignIn()?.account, sipUri: lastSignIn()?.sipUri },
        { method: 'ntlm', account: 'CONTOSO\\alice', sipUri: 'sip:alice@contoso.com' },
      );
    });

    it(
      'refuses a captured Negotiate header replayed with the ticket realm in lower case (replay cache in DynamoDB)',
      { skip: gssapi === true ? false : gssapi },
      async () => {
        const { token } = await initiate(kdc, ccache);
        const apReq = apReqOf(token);
        const lower = tokenOf({
          ...apReq,
          ticket: { ...apReq.ticket, realm: apReq.ticket.realm.toLowerCase() },
        });
        const send = (negotiate: Buffer) =>
          fetch(`${rt.internal}/auth/windows`, {
            headers: { authorization: `Negotiate ${negotiate.toString('base64')}` },
          });

        const original = await send(token);
        const replayed = await send(lower);
        const again = await send(token);

        assert.equal(original.status, 200);
        assert.equal(replayed.status, 401);
        assert.equal(again.status, 401);
        assert.equal(((await again.json()) as { error: string }).error, 'kerberos_replay');
      },
    );
  },
);

import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../functions/core/clock.ts';
import { isAppError } from '../../functions/core/errors.ts';
import { readDirectorySettings } from '../../functions/directory-config.ts';
import { buildDirectory } from '../../functions/directory-deps.ts';
import { makeCa } from '../support/certificates.ts';
import { allTestPeople, testDomain, testPeople } from '../support/directory-people.ts';
import { slapdAvailable, startSlapd, type Slapd } from '../support/slapd.ts';
import { FrameClient, postJson, ticketCookieOf } from './support/client.ts';
import { describeDirectoryProvider } from './support/directory-table.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

// The shared sign-in and authorization table against a real OpenLDAP server (Debian's slapd) with
// the Active Directory mapping, plus what only a remote directory can do: be down, present a
// certificate to check, speak StartTLS, and hold accounts disabled in Windows.
const available = slapdAvailable();
if (available !== true) console.log(`# skipped: ${available}`);

/** The policy cache in these tests: short, so a change in the directory shows within the test. */
const cacheSeconds = 1;

let slapd: Slapd;
let rt: TestRuntime;

const frank = {
  ...testPeople.alice,
  username: 'frank',
  password: 'frank-directory-pass',
  sipUri: 'sip:frank@contoso.com',
  displayName: 'Frank Fox',
  windowsDisabled: true,
};

/** Locked in the directory itself (password policy), as an AD lockout would. */
const grace = {
  ...testPeople.alice,
  username: 'grace',
  password: 'grace-directory-pass',
  sipUri: 'sip:grace@contoso.com',
  displayName: 'Grace Gill',
  locked: true,
};

/** Disabled in the directory while connected, to see the policy re-check close a silent WebSocket. */
const hank = {
  ...testPeople.alice,
  username: 'hank',
  password: 'hank-directory-pass',
  sipUri: 'sip:hank@contoso.com',
  displayName: 'Hank Hale',
};

/** How often the runtime re-checks connected users' policy in these tests (POLICY_RECHECK_SECONDS). */
const recheckSeconds = 1;

if (available === true) {
  before(async () => {
    slapd = await startSlapd([...allTestPeople, frank, grace, hank]);
    rt = await startTestRuntime({
      handlerSettings: {
        ...slapd.settings({ LDAP_POLICY_CACHE_SECONDS: String(cacheSeconds) }),
        REGULATION_MAX_FAILURES_PER_ADDRESS: '1000',
        POLICY_RECHECK_SECONDS: String(recheckSeconds),
      },
    });
  });
  after(async () => {
    await rt?.close();
    await slapd?.close();
  });

  describeDirectoryProvider({
    name: 'LDAP (Active Directory mapping)',
    runtime: () => rt,
    policyDelayMs: cacheSeconds * 1000 + 200,
    disable: (person) => slapd.replace(slapd.dnOf(person.username), { 'msRTCSIP-UserEnabled': 'FALSE' }),
    enable: (person) => slapd.replace(slapd.dnOf(person.username), { 'msRTCSIP-UserEnabled': 'TRUE' }),
  });

  describe('LDAP directory: what only a remote directory does', () => {
    const signIn = (username: string, password: string) =>
      postJson(rt.internal, '/auth/forms', { domain: testDomain, username, password });

    it('treats an account disabled in Windows (userAccountControl ACCOUNTDISABLE) as unknown: 401', async () => {
      const response = await signIn(frank.username, frank.password);
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_credentials');
    });

    it('refuses an account locked in the directory with the right password: 401, like a wrong one', async () => {
      const response = await signIn(grace.username, grace.password);
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_credentials');
    });

    it('closes a silent WebSocket of a user disabled in the directory: session.ended (policy)', async () => {
      const cookie = ticketCookieOf(await signIn(hank.username, hank.password));
      const client = await FrameClient.connect(rt.internal, cookie);
      try {
        await slapd.replace(slapd.dnOf(hank.username), { 'msRTCSIP-UserEnabled': 'FALSE' });
        // The cache time, then the next re-check: a few seconds; the bound only stops a hang.
        const ended = await client.next((f) => f.type === 'session.ended', 20_000);
        assert.equal(ended.reason, 'policy');
        await client.closed;
      } finally {
        await client.close();
      }
      const session = await fetch(`${rt.internal}/api/session`, { headers: { cookie } });
      assert.equal(session.status, 401);
    });

    it('answers 503 directory_unavailable while the directory is down, and signs nobody in', async () => {
      const { alice } = testPeople;
      const before = await signIn(alice.username, alice.password);
      const cookie = ticketCookieOf(before);
      await slapd.stop();
      try {
        const started = performance.now();
        const refused = await signIn(alice.username, alice.password);
        assert.equal(refused.status, 503);
        assert.equal(((await refused.json()) as { error: string }).error, 'directory_unavailable');
        assert.equal(refused.headers.getSetCookie().length, 0);
        assert.ok(performance.now() - started < 5000, 'answers within the timeout');
        // Once the cached policy is older than the cache time, the authorizer cannot vouch for the user.
        await new Promise((resolve) => setTimeout(resolve, cacheSeconds * 1000 + 200));
        const session = await fetch(`${rt.internal}/api/session`, { headers: { cookie } });
        assert.equal(session.status, 503);
        assert.equal(((await session.json()) as { error: string }).error, 'directory_unavailable');
      } finally {
        await slapd.start();
      }
      const again = await signIn(alice.username, alice.password);
      assert.equal(again.status, 200);
    });
  });

  describe('LDAP directory: transport', () => {
    const directoryWith = (overrides: Record<string, string>) =>
      buildDirectory(undefined as never, systemClock, {}, readDirectorySettings(slapd.settings(overrides)));

    it('speaks StartTLS on ldap:// and checks the certificate', async () => {
      const directory = await directoryWith({ LDAP_URL: slapd.ldapUrl, LDAP_STARTTLS: 'true' });
      const { alice } = testPeople;
      const user = await directory.authenticate(testDomain, alice.username, alice.password);
      assert.equal(user?.sipUri, alice.sipUri);
      assert.equal(await directory.authenticate(testDomain, alice.username, 'wrong'), undefined);
    });

    it('refuses a directory whose certificate another CA signed: directory_unavailable, no sign-in', async () => {
      const stranger = await makeCa('Some other CA');
      const variants: Record<string, string>[] = [
        { LDAP_CA_PEM: stranger.cert },
        { LDAP_CA_PEM: stranger.cert, LDAP_URL: slapd.ldapUrl, LDAP_STARTTLS: 'true' },
      ];
      for (const overrides of variants) {
        const directory = await directoryWith(overrides);
        const { alice } = testPeople;
        await assert.rejects(
          directory.authenticate(testDomain, alice.username, alice.password),
          (err) => isAppError(err) && err.code === 'directory_unavailable',
        );
      }
    });

    it('reads a plain OpenLDAP directory with the openldap mapping (uid, mail, no OCS attributes)', async () => {
      const directory = await directoryWith({ LDAP_SCHEMA: 'openldap', LDAP_USER_FILTER: '' });
      const { bob } = testPeople;
      const user = await directory.authenticate(testDomain, bob.username, bob.password);
      assert.deepEqual(user, {
        sipUri: bob.sipUri,
        domain: testDomain,
        username: bob.username,
        displayName: bob.displayName,
        enabled: true,
        enhancedPresence: true,
        remoteAccess: false,
      });
      assert.equal((await directory.findBySipUri('sip:BOB@contoso.com'))?.username, 'bob');
      assert.deepEqual(await directory.search('bob', 20), [
        { sipUri: bob.sipUri, displayName: bob.displayName },
      ]);
    });

    it('gives up on a directory that accepts connections and never answers: directory_unavailable in time', async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      try {
        const variants: Record<string, string>[] = [
          { LDAP_URL: `ldaps://127.0.0.1:${port}` },
          { LDAP_URL: `ldap://127.0.0.1:${port}`, LDAP_STARTTLS: 'true' },
        ];
        for (const overrides of variants) {
          const directory = await directoryWith({ ...overrides, LDAP_TIMEOUT_MS: '300' });
          const started = performance.now();
          await assert.rejects(
            directory.authenticate(testDomain, 'alice', 'alice-directory-pass'),
            (err) => isAppError(err) && err.code === 'directory_unavailable',
          );
          assert.ok(performance.now() - started < 2000, `${overrides.LDAP_URL} gave up in time`);
        }
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('refuses plain ldap:// without StartTLS at start: passwords never travel in the clear', () => {
      assert.throws(
        () => readDirectorySettings(slapd.settings({ LDAP_URL: slapd.ldapUrl })),
        /LDAP_STARTTLS/,
      );
    });

    it('fails fast with a wrong service account password: directory_unavailable, not a sign-in', async () => {
      const directory = await directoryWith({ LDAP_BIND_PASSWORD: 'not-the-service-password' });
      const { alice } = testPeople;
      await assert.rejects(
        directory.authenticate(testDomain, alice.username, alice.password),
        (err) => isAppError(err) && err.code === 'directory_unavailable',
      );
    });
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Site } from '../../../functions/core/model.ts';
import { testDomain, testPeople, type TestPerson } from '../../support/directory-people.ts';
import { FrameClient, postJson, ticketCookieOf, UpgradeRefused } from './client.ts';
import type { TestRuntime } from './runtime.ts';

/**
 * What a directory provider under test offers the shared table: the running product, pointed at
 * a directory holding `testPeople`, and a way to change a person's policy in that directory.
 */
export interface ProviderUnderTest {
  readonly name: string;
  runtime(): TestRuntime;
  /** Withdraws the person's "enabled for the service" flag in the directory itself. */
  disable(person: TestPerson): Promise<void>;
  /** Gives the person's "enabled for the service" flag back, in the directory itself. */
  enable(person: TestPerson): Promise<void>;
  /** How long a policy change may take to reach the authorizer (the provider's cache). */
  readonly policyDelayMs: number;
}

interface SignInCase {
  readonly name: string;
  readonly username: string;
  readonly password: string;
  readonly domain?: string;
  readonly site: Site;
  readonly status: number;
  readonly error?: string;
  /** Who a successful sign-in signs in (the case's person). */
  readonly sipUri?: string;
  readonly displayName?: string;
}

const { alice, bob, carol, dave } = testPeople;

/** One table, both providers: the same people give the same answers whichever directory holds them. */
export const signInCases: readonly SignInCase[] = [
  { name: 'a user allowed everything, inside', ...alice, site: 'internal', status: 200 },
  { name: 'a user allowed everything, from outside', ...alice, site: 'external', status: 200 },
  { name: 'a user without remote access, inside', ...bob, site: 'internal', status: 200 },
  {
    name: 'a user without remote access, from outside',
    ...bob,
    site: 'external',
    status: 403,
    error: 'remote_access_denied',
  },
  {
    name: 'a user not enabled for the service',
    ...carol,
    site: 'internal',
    status: 403,
    error: 'user_disabled',
  },
  {
    name: 'a user without enhanced presence',
    ...dave,
    site: 'internal',
    status: 403,
    error: 'enhanced_presence_required',
  },
  {
    name: 'a wrong password',
    username: alice.username,
    password: 'not-the-password',
    site: 'internal',
    status: 401,
    error: 'invalid_credentials',
  },
  {
    name: 'a disabled user with a wrong password (no policy answer before the password)',
    username: carol.username,
    password: 'not-the-password',
    site: 'internal',
    status: 401,
    error: 'invalid_credentials',
  },
  {
    name: 'an unknown user',
    username: 'mallory',
    password: alice.password,
    site: 'internal',
    status: 401,
    error: 'invalid_credentials',
  },
  {
    name: 'another domain',
    ...alice,
    domain: 'FABRIKAM',
    site: 'internal',
    status: 401,
    error: 'invalid_credentials',
  },
  { name: 'the user name in another case', ...alice, username: 'ALICE', site: 'internal', status: 200 },
];

/** User names that would change an LDAP filter's meaning if pasted into one, with alice's password. */
export const injectionNames: readonly string[] = [
  '*',
  'a*',
  '*)(uid=*',
  'alice)(|(uid=*',
  'alice)(&',
  '*)(objectClass=*))(|(uid=*',
  'alice\u0000',
  'alice\\00',
  '\\2a',
  '(alice)',
  'alice*)(userPassword=*',
];

async function attempt(rt: TestRuntime, c: Omit<SignInCase, 'name' | 'status' | 'error'>) {
  const base = c.site === 'internal' ? rt.internal : rt.external;
  const response = await postJson(base, '/auth/forms', {
    domain: c.domain ?? testDomain,
    username: c.username,
    password: c.password,
  });
  const text = await response.text();
  return {
    response,
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

async function session(rt: TestRuntime, cookie: string) {
  const response = await fetch(`${rt.internal}/api/session`, { headers: { cookie } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function search(rt: TestRuntime, cookie: string, q: string) {
  const response = await fetch(`${rt.internal}/api/directory?q=${encodeURIComponent(q)}`, {
    headers: { cookie },
  });
  return {
    status: response.status,
    body: (await response.json()) as { results?: Record<string, unknown>[] },
  };
}

async function signedIn(rt: TestRuntime, person: TestPerson): Promise<string> {
  const { response, status } = await attempt(rt, { ...person, site: 'internal' });
  assert.equal(status, 200, `${person.username} signs in`);
  return ticketCookieOf(response);
}

/** The shared sign-in and authorization table, run against one provider. */
export function describeDirectoryProvider(provider: ProviderUnderTest): void {
  describe(`${provider.name} directory: sign-in`, () => {
    for (const c of signInCases) {
      it(`${c.name}: ${c.status}${c.error ? ` ${c.error}` : ''}`, async () => {
        const { status, body } = await attempt(provider.runtime(), c);
        assert.equal(status, c.status, JSON.stringify(body));
        if (c.error) assert.equal(body.error, c.error);
        else assert.deepEqual(body.user, { sipUri: c.sipUri, displayName: c.displayName });
      });
    }

    it('refuses user names that are LDAP filter syntax cleanly (400 or 401, never a sign-in or a 500)', async () => {
      for (const username of injectionNames) {
        const { status, body } = await attempt(provider.runtime(), {
          username,
          password: alice.password,
          site: 'internal',
        });
        assert.ok(
          [400, 401].includes(status),
          `${JSON.stringify(username)}: ${status} ${JSON.stringify(body)}`,
        );
        assert.ok(typeof body.error === 'string' && body.error !== 'internal_error');
      }
    });

    it('locks an account after repeated failures: then even the right password gets 429', async () => {
      const rt = provider.runtime();
      let status = 0;
      for (let i = 0; i < 10 && status !== 429; i++) {
        ({ status } = await attempt(rt, { ...carol, password: `wrong-${i}`, site: 'internal' }));
      }
      assert.equal(status, 429);
      const locked = await attempt(rt, { ...carol, site: 'internal' });
      assert.equal(locked.status, 429);
      assert.equal(locked.body.error, 'too_many_attempts');
      assert.ok(locked.response.headers.get('retry-after'));
    });

    it('refuses an empty password without asking the directory to bind (never an anonymous sign-in)', async () => {
      const { status, body } = await attempt(provider.runtime(), {
        ...alice,
        password: '',
        site: 'internal',
      });
      assert.ok([400, 401].includes(status), `${status} ${JSON.stringify(body)}`);
    });
  });

  describe(`${provider.name} directory: authorization`, () => {
    it('lets a signed-in user in while the directory allows it', async () => {
      const cookie = await signedIn(provider.runtime(), alice);
      const { status, body } = await session(provider.runtime(), cookie);
      assert.equal(status, 200);
      assert.deepEqual(body.user, { sipUri: alice.sipUri, displayName: alice.displayName });
    });

    it('refuses the next request of a user disabled in the directory, within the policy cache time', async () => {
      const { erin } = testPeople;
      const cookie = await signedIn(provider.runtime(), erin);
      assert.equal((await session(provider.runtime(), cookie)).status, 200);
      await provider.disable(erin);
      await new Promise((resolve) => setTimeout(resolve, provider.policyDelayMs));
      const { status, body } = await session(provider.runtime(), cookie);
      assert.equal(status, 403);
      assert.equal(body.error, 'user_disabled');
    });

    it('keeps a session the directory refused ended when the user is enabled again', async () => {
      const rt = provider.runtime();
      const cookie = await signedIn(rt, alice);
      assert.equal((await session(rt, cookie)).status, 200);
      await provider.disable(alice);
      await new Promise((resolve) => setTimeout(resolve, provider.policyDelayMs));
      assert.equal((await session(rt, cookie)).body.error, 'user_disabled');
      await provider.enable(alice);
      await new Promise((resolve) => setTimeout(resolve, provider.policyDelayMs));

      const { status, body } = await session(rt, cookie);
      assert.deepEqual([status, body.error], [401, 'unauthenticated']);
      await assert.rejects(
        FrameClient.connect(rt.internal, cookie),
        (err: unknown) => err instanceof UpgradeRefused && err.status === 401,
      );
      // The user is back, with a new sign-in.
      assert.equal((await session(rt, await signedIn(rt, alice))).status, 200);
    });

    it('ends a session for good when one of its WebSocket frames is refused by the directory', async () => {
      const rt = provider.runtime();
      const cookie = await signedIn(rt, bob);
      const client = await FrameClient.connect(rt.internal, cookie);
      try {
        await provider.disable(bob);
        await new Promise((resolve) => setTimeout(resolve, provider.policyDelayMs));
        client.send({ action: 'ping' });
        assert.equal((await client.next((f) => f.type === 'session.ended')).reason, 'policy');
        await client.closed;
      } finally {
        await client.close();
        await provider.enable(bob);
      }
      await new Promise((resolve) => setTimeout(resolve, provider.policyDelayMs));

      const { status, body } = await session(rt, cookie);
      assert.deepEqual([status, body.error], [401, 'unauthenticated']);
    });

    it('finds people to add as contacts: only those others may talk to, only name and SIP URI', async () => {
      const cookie = await signedIn(provider.runtime(), alice);
      const found = async (q: string) => {
        const { status, body } = await search(provider.runtime(), cookie, q);
        assert.equal(status, 200, q);
        return body.results;
      };
      assert.deepEqual(await found('bob'), [{ sipUri: bob.sipUri, displayName: bob.displayName }]);
      assert.deepEqual(await found('Bob B'), [{ sipUri: bob.sipUri, displayName: bob.displayName }]);
      // carol (not enabled), dave (no enhanced presence), erin (disabled above) and alice herself are left out.
      for (const q of ['carol', 'dave', 'erin', 'alice']) assert.deepEqual(await found(q), [], q);
      const filterSyntax = await search(provider.runtime(), cookie, '*)(uid=*');
      assert.ok([200, 400].includes(filterSyntax.status));
      assert.deepEqual(filterSyntax.body.results ?? [], []);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { demo, postJson, signIn } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

const legacyUrl = 'https://legacy.contoso.test/cwa2005/';
let rt: TestRuntime;

before(async () => {
  rt = await startTestRuntime({
    trustedProxies: '127.0.0.1',
    handlerSettings: {
      LEGACY_URL: legacyUrl,
      TICKET_LIFETIME_SECONDS: '3',
      REGULATION_MAX_FAILURES: '3',
      REGULATION_MAX_FAILURES_PER_ADDRESS: '5',
      REGULATION_FIND_TIME_SECONDS: '60',
      REGULATION_BAN_TIME_SECONDS: '60',
    },
  });
});
after(() => rt.close());

/** A request as a TLS-terminating proxy on loopback forwards it for a client elsewhere. */
const viaProxy = (client: string, proto: 'http' | 'https') => ({
  'x-forwarded-for': client,
  'x-forwarded-proto': proto,
});

const credentials = (user: { username: string; password: string }) => ({
  domain: demo.domain,
  username: user.username,
  password: user.password,
});

describe('legacy URL', () => {
  it('redirects a user without enhanced presence to LEGACY_URL, for forms and JSON alike', async () => {
    const form = await fetch(`${rt.internal}/auth/forms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(credentials(demo.dave)).toString(),
      redirect: 'manual',
    });
    assert.equal(form.status, 303);
    assert.equal(form.headers.get('location'), legacyUrl);
    assert.equal(form.headers.getSetCookie().length, 0);
    const json = await postJson(rt.internal, '/auth/forms', credentials(demo.dave));
    assert.equal(json.status, 303);
    assert.equal(json.headers.get('location'), legacyUrl);
    assert.equal(((await json.json()) as { error: string }).error, 'enhanced_presence_required');
  });
});

describe('HTTPS', () => {
  it('refuses forms sign-in over plain HTTP from a non-loopback client', async () => {
    const response = await postJson(
      rt.internal,
      '/auth/forms',
      credentials(demo.alice),
      viaProxy('192.0.2.10', 'http'),
    );
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { error: string }).error, 'https_required');
  });

  it('accepts it when the trusted proxy says the client used HTTPS', async () => {
    const response = await postJson(
      rt.internal,
      '/auth/forms',
      credentials(demo.alice),
      viaProxy('192.0.2.11', 'https'),
    );
    assert.equal(response.status, 200);
  });
});

describe('brute-force regulation', () => {
  it('locks an account after repeated failures, with Retry-After, even for the right password', async () => {
    const wrong = { ...credentials(demo.bob), password: 'guess' };
    const client = viaProxy('192.0.2.20', 'https');
    for (let i = 0; i < 3; i++) {
      assert.equal((await postJson(rt.internal, '/auth/forms', wrong, client)).status, 401);
    }
    const locked = await postJson(
      rt.internal,
      '/auth/forms',
      credentials(demo.bob),
      viaProxy('192.0.2.21', 'https'),
    );
    assert.equal(locked.status, 429);
    assert.equal(((await locked.json()) as { error: string }).error, 'too_many_attempts');
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    // Other accounts are not affected.
    assert.equal(
      (await postJson(rt.internal, '/auth/forms', credentials(demo.carol), viaProxy('192.0.2.22', 'https')))
        .status,
      200,
    );
  });

  it('lets only REGULATION_MAX_FAILURES of 30 parallel wrong passwords reach the check; the rest get 429 and the account ends locked', async () => {
    const wrong = { ...credentials(demo.erin), password: 'guess' };
    const statuses = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const response = await postJson(
          rt.internal,
          '/auth/forms',
          wrong,
          viaProxy(`198.51.100.${i + 1}`, 'https'),
        );
        await response.arrayBuffer();
        return response.status;
      }),
    );
    assert.equal(statuses.filter((s) => s === 401).length, 3);
    assert.equal(statuses.filter((s) => s === 429).length, 27);
    const locked = await postJson(
      rt.internal,
      '/auth/forms',
      credentials(demo.erin),
      viaProxy('198.51.100.99', 'https'),
    );
    assert.equal(locked.status, 429);
  });

  it('locks a source address that tries many accounts', async () => {
    const client = viaProxy('192.0.2.30', 'https');
    for (let i = 0; i < 5; i++) {
      const guess = { domain: demo.domain, username: `user${i}`, password: 'guess' };
      assert.equal((await postJson(rt.internal, '/auth/forms', guess, client)).status, 401);
    }
    const locked = await postJson(rt.internal, '/auth/forms', credentials(demo.alice), client);
    assert.equal(locked.status, 429);
    assert.equal(
      (await postJson(rt.internal, '/auth/forms', credentials(demo.alice), viaProxy('192.0.2.31', 'https')))
        .status,
      200,
    );
  });
});

describe('server-set ticket lifetime', () => {
  it('refuses a ticket once TICKET_LIFETIME_SECONDS have passed', async () => {
    const cookie = await signIn(rt.internal, demo.carol);
    assert.equal((await fetch(`${rt.internal}/api/session`, { headers: { cookie } })).status, 200);
    await sleep(3200);
    const response = await fetch(`${rt.internal}/api/session`, { headers: { cookie } });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'unauthenticated');
  });
});

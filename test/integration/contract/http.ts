import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { httpRoutes } from '../../../functions/routes.ts';
import { demo, postJson, signIn, ticketCookieOf } from '../support/client.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import type { RuntimeMode } from '../../../local/runtime.ts';

/**
 * The HTTP contract (docs/contract.md), the same tests for each way the product runs: the embedded
 * mode of `npm start` and the AWS emulation (the handlers and stores that deploy).
 */
export function httpContract(mode: RuntimeMode): void {
  let rt: TestRuntime;
  before(async () => {
    rt = await startTestRuntime({ mode });
  });
  after(() => rt.close());

  const credentials = (
    user: { username: string; password: string },
    extra: Record<string, unknown> = {},
  ) => ({
    domain: demo.domain,
    username: user.username,
    password: user.password,
    ...extra,
  });

  async function expectError(response: Response, status: number, code: string) {
    assert.equal(response.status, status, `status for ${code}`);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const body = (await response.json()) as { error: string; message: string };
    assert.equal(body.error, code);
    assert.equal(typeof body.message, 'string');
    assert.ok(body.message.length > 0);
    return body;
  }

  describe('public pages', () => {
    it('answers health checks on both sites', async () => {
      for (const base of [rt.internal, rt.external]) {
        const response = await fetch(`${base}/healthz`);
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { status: 'ok' });
      }
    });

    it('links each sign-in method the site offers from the chooser page', async () => {
      for (const base of [rt.internal, rt.external]) {
        const response = await fetch(`${base}/`);
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /text\/html/);
        assert.match(await response.text(), /href="\/auth\/forms"/);
      }
    });

    it('serves the forms sign-in page with domain, user name and password fields', async () => {
      const page = await (await fetch(`${rt.internal}/auth/forms`)).text();
      for (const field of ['domain', 'username', 'password'])
        assert.match(page, new RegExp(`name="${field}"`));
      assert.match(page, /method="post" action="\/auth\/forms"/);
    });

    it('answers 404 not_found for an address no route serves', async () => {
      await expectError(await fetch(`${rt.internal}/nothing-here`), 404, 'not_found');
    });
  });

  describe('forms sign-in', () => {
    it('signs a user in with JSON and sets a session-only, HttpOnly, Secure, SameSite ticket cookie', async () => {
      const response = await postJson(rt.internal, '/auth/forms', credentials(demo.alice));
      assert.equal(response.status, 200);
      const body = (await response.json()) as { user: unknown; expiresAt: string };
      assert.deepEqual(body.user, { sipUri: demo.alice.sipUri, displayName: 'Alice Ahn' });
      assert.ok(Date.parse(body.expiresAt) > Date.now());
      const [cookie] = response.headers.getSetCookie();
      assert.ok(cookie);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /Secure/);
      assert.match(cookie, /SameSite=Strict/);
      assert.match(cookie, /Path=\//);
      assert.doesNotMatch(cookie, /Expires|Max-Age/i);
    });

    it('redirects a browser form post to the client app with the ticket cookie', async () => {
      const response = await fetch(`${rt.internal}/auth/forms`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(credentials(demo.bob)).toString(),
        redirect: 'manual',
      });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/app/');
      assert.ok(ticketCookieOf(response));
    });

    it('shows the form again with the reason when a browser sign-in is refused', async () => {
      const response = await fetch(`${rt.internal}/auth/forms`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(credentials(demo.alice, { password: 'wrong' })).toString(),
        redirect: 'manual',
      });
      assert.equal(response.status, 401);
      assert.equal(response.headers.getSetCookie().length, 0);
      const page = await response.text();
      assert.match(page, /role="alert"/);
      assert.match(page, /value="alice"/);
    });

    it('gives unknown users and wrong passwords the same answer', async () => {
      const wrongPassword = await expectError(
        await postJson(rt.internal, '/auth/forms', credentials(demo.alice, { password: 'not-it' })),
        401,
        'invalid_credentials',
      );
      const unknownUser = await expectError(
        await postJson(rt.internal, '/auth/forms', credentials({ username: 'mallory', password: 'x' })),
        401,
        'invalid_credentials',
      );
      const wrongDomain = await expectError(
        await postJson(rt.internal, '/auth/forms', credentials(demo.alice, { domain: 'FABRIKAM' })),
        401,
        'invalid_credentials',
      );
      assert.deepEqual(unknownUser, wrongPassword);
      assert.deepEqual(wrongDomain, wrongPassword);
    });

    it('accepts the user name and domain in any case', async () => {
      const response = await postJson(
        rt.internal,
        '/auth/forms',
        credentials({ username: 'ALICE', password: demo.alice.password }, { domain: 'contoso' }),
      );
      assert.equal(response.status, 200);
    });

    it('refuses a SIP URI that does not belong to the credentials', async () => {
      await expectError(
        await postJson(rt.internal, '/auth/forms', credentials(demo.alice, { sipUri: demo.bob.sipUri })),
        403,
        'sip_uri_mismatch',
      );
      const own = await postJson(
        rt.internal,
        '/auth/forms',
        credentials(demo.alice, { sipUri: 'SIP:Alice@Contoso.com' }),
      );
      assert.equal(own.status, 200);
    });

    it('refuses a user who is not enabled for communications', async () => {
      await expectError(
        await postJson(rt.internal, '/auth/forms', credentials(demo.erin)),
        403,
        'user_disabled',
      );
    });

    it('refuses a user without remote access on the external site only', async () => {
      await expectError(
        await postJson(rt.external, '/auth/forms', credentials(demo.carol)),
        403,
        'remote_access_denied',
      );
      assert.equal((await postJson(rt.internal, '/auth/forms', credentials(demo.carol))).status, 200);
      assert.equal((await postJson(rt.external, '/auth/forms', credentials(demo.alice))).status, 200);
    });

    it('refuses a user without enhanced presence when no legacy URL is set', async () => {
      const body = await expectError(
        await postJson(rt.internal, '/auth/forms', credentials(demo.dave)),
        403,
        'enhanced_presence_required',
      );
      assert.equal((body as unknown as Record<string, unknown>).location, undefined);
    });

    it('answers 400 bad_request for malformed JSON, a non-object body and missing fields', async () => {
      await expectError(await postJson(rt.internal, '/auth/forms', '{"domain":'), 400, 'bad_request');
      await expectError(await postJson(rt.internal, '/auth/forms', '[1,2]'), 400, 'bad_request');
      await expectError(await postJson(rt.internal, '/auth/forms', 'null'), 400, 'bad_request');
      await expectError(
        await postJson(rt.internal, '/auth/forms', { domain: 'CONTOSO', username: 'alice' }),
        400,
        'bad_request',
      );
      await expectError(
        await postJson(rt.internal, '/auth/forms', { domain: 'CONTOSO', username: 7, password: 'x' }),
        400,
        'bad_request',
      );
      await expectError(
        await postJson(rt.internal, '/auth/forms', credentials(demo.alice, { username: 'a'.repeat(300) })),
        400,
        'bad_request',
      );
    });

    it('answers 413 payload_too_large for an oversized body', async () => {
      const response = await postJson(
        rt.internal,
        '/auth/forms',
        credentials(demo.alice, { padding: 'x'.repeat(20_000) }),
      );
      await expectError(response, 413, 'payload_too_large');
    });

    it('refuses sign-in and sign-out posted from another site (login CSRF)', async () => {
      for (const from of ['cross-site', 'same-site']) {
        await expectError(
          await postJson(rt.internal, '/auth/forms', credentials(demo.alice), { 'sec-fetch-site': from }),
          403,
          'cross_site_request',
        );
      }
      const cookie = await signIn(rt.internal, demo.alice);
      await expectError(
        await postJson(rt.internal, '/auth/signout', {}, { cookie, 'sec-fetch-site': 'cross-site' }),
        403,
        'cross_site_request',
      );
      assert.equal((await fetch(`${rt.internal}/api/session`, { headers: { cookie } })).status, 200);
      const sameOrigin = await postJson(rt.internal, '/auth/forms', credentials(demo.alice), {
        'sec-fetch-site': 'same-origin',
      });
      assert.equal(sameOrigin.status, 200);
    });

    it('refuses sign-in posted from another site by a browser that sends no Fetch Metadata, by its Origin', async () => {
      for (const origin of ['https://attacker.example', 'null']) {
        await expectError(
          await postJson(rt.internal, '/auth/forms', credentials(demo.alice), { origin }),
          403,
          'cross_site_request',
        );
      }
      const own = await postJson(rt.internal, '/auth/forms', credentials(demo.alice), {
        origin: rt.internal,
      });
      assert.equal(own.status, 200);
    });

    it('compares Origin with the site’s configured origins, not with a host the request names', async () => {
      const evil = `evil.example:${new URL(rt.internal).port}`;

      const forged = await postJson(rt.internal, '/auth/forms', credentials(demo.alice), {
        origin: `http://${evil}`,
        'x-forwarded-host': evil,
      });

      await expectError(forged, 403, 'cross_site_request');
    });

    it('answers 415 unsupported_media_type for a body that is neither JSON nor a form', async () => {
      const response = await fetch(`${rt.internal}/auth/forms`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'domain=CONTOSO',
      });
      await expectError(response, 415, 'unsupported_media_type');
    });
  });

  describe('session and ticket', () => {
    it('tells a signed-in user who they are, until when, and how they signed in', async () => {
      const cookie = await signIn(rt.internal, demo.alice);
      const response = await fetch(`${rt.internal}/api/session`, { headers: { cookie } });
      assert.equal(response.status, 200);
      const body = (await response.json()) as Record<string, unknown>;
      assert.deepEqual(body.user, { sipUri: demo.alice.sipUri, displayName: 'Alice Ahn' });
      assert.equal(body.authMethod, 'forms');
      assert.equal(body.site, 'internal');
      assert.ok(Date.parse(String(body.expiresAt)) > Date.now());
    });

    it('answers 401 unauthenticated without a ticket, with garbage and with a tampered ticket', async () => {
      const cookie = await signIn(rt.internal, demo.alice);
      const [name, token = ''] = cookie.split('=');
      const [header, payload, signature] = token.split('.');
      const forged = Buffer.from(
        JSON.stringify({
          ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
          sub: demo.bob.sipUri,
        }),
      ).toString('base64url');
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      for (const value of [
        undefined,
        `${name}=garbage`,
        `${name}=a.b.c`,
        `${name}=${header}.${forged}.${signature}`,
        `${name}=${unsigned}`,
      ]) {
        const response = await fetch(`${rt.internal}/api/session`, {
          headers: value ? { cookie: value } : {},
        });
        await expectError(response, 401, 'unauthenticated');
      }
    });

    it('refuses every ticket route of the route table without a ticket, on every site that publishes it', async () => {
      const guarded = httpRoutes.filter((route) => route.auth === 'ticket');
      assert.ok(guarded.length > 0);
      for (const route of guarded) {
        for (const site of route.sites) {
          const base = site === 'internal' ? rt.internal : rt.external;
          const response = await fetch(`${base}${route.path}`, {
            method: route.method,
            ...(route.method === 'POST'
              ? { headers: { 'content-type': 'application/json' }, body: '{}' }
              : {}),
          });
          await expectError(response, 401, 'unauthenticated');
        }
      }
    });

    it('does not accept a ticket minted on the internal site on the external site', async () => {
      const cookie = await signIn(rt.internal, demo.alice);
      const token = cookie.split('=')[1];
      const response = await fetch(`${rt.external}/api/session`, {
        headers: { cookie: `__Host-cwa-ticket-external=${token}` },
      });
      await expectError(response, 401, 'unauthenticated');
    });

    it('applies the user’s current directory state on every request; a refusal ends the session', async () => {
      const cookie = await signIn(rt.internal, demo.bob);
      const { directory } = rt.deps.stores;
      const account = await directory.findByAccount(demo.domain, demo.bob.username);
      assert.ok(account);
      await directory.put({ ...account, enabled: false });
      try {
        await expectError(
          await fetch(`${rt.internal}/api/session`, { headers: { cookie } }),
          403,
          'user_disabled',
        );
      } finally {
        await directory.put(account);
      }
      // The refusal ended the session: enabling the user again does not revive it.
      await expectError(
        await fetch(`${rt.internal}/api/session`, { headers: { cookie } }),
        401,
        'unauthenticated',
      );
      const again = await signIn(rt.internal, demo.bob);
      assert.equal((await fetch(`${rt.internal}/api/session`, { headers: { cookie: again } })).status, 200);
    });
  });

  describe('sign-out', () => {
    it('revokes the ticket and clears the cookie; the old cookie is refused after', async () => {
      const cookie = await signIn(rt.internal, demo.alice);
      const response = await fetch(`${rt.internal}/auth/signout`, {
        method: 'POST',
        headers: { cookie, accept: 'application/json' },
      });
      assert.equal(response.status, 204);
      const [cleared] = response.headers.getSetCookie();
      assert.match(cleared ?? '', /^__Host-cwa-ticket-internal=;/);
      assert.match(cleared ?? '', /Expires=Thu, 01 Jan 1970/);
      await expectError(
        await fetch(`${rt.internal}/api/session`, { headers: { cookie } }),
        401,
        'unauthenticated',
      );
    });

    it('sends a browser to the sign-in page, with or without a ticket', async () => {
      const withTicket: Record<string, string> = { cookie: await signIn(rt.internal, demo.bob) };
      for (const headers of [{}, withTicket]) {
        const response = await fetch(`${rt.internal}/auth/signout`, {
          method: 'POST',
          headers,
          redirect: 'manual',
        });
        assert.equal(response.status, 303);
        assert.equal(response.headers.get('location'), '/');
      }
    });
  });
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { demo } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

/** The upstream authenticator's side: its signing key, published as a JWKS on a loopback port. */
const header = 'x-authenticated-user';
const gateway = 'https://gateway.contoso.com';
const audience = 'communicator';
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let jwks: Server;
let jwksDown = true;
let rt: TestRuntime;

before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('ES256')).privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'gateway-1', alg: 'ES256', use: 'sig' };
  jwks = createServer((req, res) => {
    if (jwksDown) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  jwks.listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  rt = await startTestRuntime({
    handlerSettings: {
      ASSERTION_HEADER: header,
      ASSERTION_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
      ASSERTION_ISSUER: gateway,
      ASSERTION_AUDIENCE: audience,
      ASSERTION_MAX_AGE_SECONDS: '30',
      ASSERTION_USER_CLAIM: 'email',
      SIGNOUT_PAGE_URL: 'https://gateway.contoso.com/logoff',
    },
  });
});
after(async () => {
  await rt?.close();
  jwks?.close();
});

/** An assertion as the gateway makes it; `overrides` change what a test needs changed. */
async function assertion(
  claims: JWTPayload = {},
  options: { key?: CryptoKey; kid?: string; iat?: number } = {},
): Promise<string> {
  const iat = options.iat ?? Math.floor(Date.now() / 1000);
  const payload = {
    email: 'alice@contoso.com',
    sub: 'alice',
    iss: gateway,
    aud: audience,
    iat,
    exp: iat + 60,
    jti: randomUUID(),
  };
  return new SignJWT({ ...payload, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'gateway-1' })
    .sign(options.key ?? signingKey);
}

/** The same claims (and header) signed again by the gateway: a different token for the same assertion. */
async function resign(token: string): Promise<string> {
  const [header = '', payload = ''] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as JWTPayload;
  return new SignJWT(decode(payload))
    .setProtectedHeader(decode(header) as { alg: string; kid: string })
    .sign(signingKey);
}

function signIn(base: string, value: string | undefined, accept = 'application/json') {
  return fetch(`${base}/auth/assertion`, {
    redirect: 'manual',
    headers: { accept, ...(value === undefined ? {} : { [header]: value }) },
  });
}

async function expectError(response: Response, status: number, code: string) {
  assert.equal(response.status, status, `expected ${status} ${code}`);
  const body = (await response.json()) as { error: string; message: string };
  assert.equal(body.error, code, body.message);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('sign-in asserted by an upstream authenticator', () => {
  it("answers 503 assertion_keys_unavailable, not a 500, while the gateway's keys cannot be fetched", async () => {
    await expectError(await signIn(rt.internal, await assertion()), 503, 'assertion_keys_unavailable');
    jwksDown = false;
  });

  it('links the method from the chooser', async () => {
    assert.match(await (await fetch(`${rt.internal}/`)).text(), /href="\/auth\/assertion"/);
  });

  it('signs in with a fresh assertion signed by the gateway and opens the client app', async () => {
    const response = await signIn(rt.internal, await assertion(), 'text/html');

    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/app/');
    const cookie = (response.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const session = (await (await fetch(`${rt.internal}/api/session`, { headers: { cookie } })).json()) as {
      user: { sipUri: string };
      authMethod: string;
    };
    assert.equal(session.user.sipUri, demo.alice.sipUri);
    assert.equal(session.authMethod, 'assertion');
  });

  it('answers JSON to a client that asks for it', async () => {
    const response = await signIn(rt.external, await assertion());
    assert.equal(response.status, 200);
    assert.deepEqual(((await response.json()) as { user: unknown }).user, {
      sipUri: demo.alice.sipUri,
      displayName: 'Alice Ahn',
    });
  });

  it('refuses a request without an assertion (401 assertion_required), with a page for browsers', async () => {
    await expectError(await signIn(rt.internal, undefined), 401, 'assertion_required');
    const page = await signIn(rt.internal, undefined, 'text/html');
    assert.equal(page.status, 401);
    assert.match(await page.text(), /sign-in gateway/);
  });

  it('never believes a bare or unsigned identity: plain names, alg none, and a shared-secret signature', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ email: 'alice@contoso.com', aud: audience, iss: gateway, iat: Math.floor(Date.now() / 1000) })}.`;
    const hmac = await new SignJWT({ email: 'alice@contoso.com' })
      .setProtectedHeader({ alg: 'HS256', kid: 'gateway-1' })
      .setIssuer(gateway)
      .setAudience(audience)
      .setIssuedAt()
      .sign(new TextEncoder().encode('a shared secret anybody could hold'));
    for (const value of ['alice@contoso.com', 'sip:alice@contoso.com', unsigned, hmac, 'a.b.c']) {
      await expectError(await signIn(rt.internal, value), 401, 'assertion_invalid');
    }
  });

  it('refuses an assertion signed with another key, for another audience, or from another issuer', async () => {
    await expectError(
      await signIn(rt.internal, await assertion({}, { key: strangerKey })),
      401,
      'assertion_invalid',
    );
    await expectError(
      await signIn(rt.internal, await assertion({ aud: 'another-service' })),
      401,
      'assertion_invalid',
    );
    await expectError(
      await signIn(rt.internal, await assertion({ iss: 'https://evil.example' })),
      401,
      'assertion_invalid',
    );
    await expectError(
      await signIn(rt.internal, await assertion({}, { kid: 'unknown-key' })),
      401,
      'assertion_invalid',
    );
  });

  it('refuses an assertion older than the maximum age, or expired (401 assertion_expired)', async () => {
    const old = Math.floor(Date.now() / 1000) - 45;
    await expectError(await signIn(rt.internal, await assertion({}, { iat: old })), 401, 'assertion_expired');
    const expired = await assertion({ exp: Math.floor(Date.now() / 1000) - 10 });
    await expectError(await signIn(rt.internal, expired), 401, 'assertion_expired');
  });

  it('accepts an assertion once: the same token, or the same claims signed again, is refused as replayed', async () => {
    const token = await assertion();
    const claims = { jti: undefined, nonce: randomUUID() };
    const withoutId = await assertion(claims);

    const first = await signIn(rt.internal, token);
    const again = await signIn(rt.external, token);
    const otherClaims = await signIn(rt.internal, withoutId);
    // ES256 signatures are random: signing the same claims again gives a new token, the same assertion.
    const reSigned = await signIn(rt.internal, await resign(withoutId));

    assert.equal(first.status, 200);
    await expectError(again, 401, 'assertion_replayed');
    assert.equal(otherClaims.status, 200);
    await expectError(reSigned, 401, 'assertion_replayed');
  });

  it('refuses an assertion without an expiry (401 assertion_invalid)', async () => {
    await expectError(
      await signIn(rt.internal, await assertion({ exp: undefined })),
      401,
      'assertion_invalid',
    );
  });

  it('refuses a user the directory does not know, and applies the same policy as every sign-in', async () => {
    await expectError(
      await signIn(rt.internal, await assertion({ email: 'mallory@contoso.com' })),
      403,
      'assertion_user_unknown',
    );
    await expectError(
      await signIn(rt.internal, await assertion({ email: 'erin@contoso.com' })),
      403,
      'user_disabled',
    );
    await expectError(
      await signIn(rt.external, await assertion({ email: 'carol@contoso.com' })),
      403,
      'remote_access_denied',
    );
  });

  it('answers 400 or 401, never a 500, to oversized assertions', async () => {
    const response = await signIn(rt.internal, 'x'.repeat(9000));
    assert.ok([400, 401, 431].includes(response.status), String(response.status));
  });

  it("sends the browser to the gateway's sign-out page after signing out, so it can clear its own cookie", async () => {
    const signedIn = await signIn(rt.internal, await assertion());
    const cookie = (signedIn.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';

    const out = await fetch(`${rt.internal}/auth/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });

    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), 'https://gateway.contoso.com/logoff');
    assert.equal((await fetch(`${rt.internal}/api/session`, { headers: { cookie } })).status, 401);
  });
});

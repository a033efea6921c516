import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demo } from './support/client.ts';
import { parseResponse, rawRequest } from './support/raw-http.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

let rt: TestRuntime;
before(async () => {
  rt = await startTestRuntime();
});
after(() => rt.close());

/** The page policy as a browser reads it: directive name → sources (order does not matter). */
function directivesOf(response: Response): Map<string, string> {
  const policy = response.headers.get('content-security-policy');
  assert.ok(policy, `no Content-Security-Policy on ${response.url} (${response.status})`);
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = '', ...sources] = part.split(/\s+/);
        return [name.toLowerCase(), sources.join(' ')] as const;
      }),
  );
}

const strictPagePolicy = new Map([
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['connect-src', "'self'"],
  ['frame-ancestors', "'none'"],
  ['form-action', "'self'"],
]);

function assertPageHeaders(response: Response) {
  assert.deepEqual(directivesOf(response), strictPagePolicy, `page policy of ${response.url}`);
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
}

function assertApiHeaders(response: Response) {
  const directives = directivesOf(response);
  assert.equal(directives.get('frame-ancestors'), "'none'", `framing of ${response.url}`);
  assert.ok(!directives.get('script-src')?.includes('unsafe-inline'));
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.match(response.headers.get('strict-transport-security') ?? '', /^max-age=\d{7,}/);
}

describe('security headers', () => {
  it('serves the sign-in pages with the strict page policy: own scripts and styles only, never framed', async () => {
    for (const base of [rt.internal, rt.external]) {
      for (const path of ['/', '/auth/forms']) {
        const response = await fetch(`${base}${path}`);

        assert.equal(response.status, 200);
        assertPageHeaders(response);
        assert.equal(response.headers.get('cache-control'), 'no-store');
        assert.match(response.headers.get('strict-transport-security') ?? '', /^max-age=\d{7,}/);
      }
    }
  });

  it('leaves out the middleware defaults that would break the pages (sandbox, upgrade to HTTPS)', async () => {
    const response = await fetch(`${rt.internal}/auth/forms`);

    const directives = directivesOf(response);

    assert.equal(directives.has('sandbox'), false);
    assert.equal(directives.has('upgrade-insecure-requests'), false);
    assert.equal(directives.has('require-trusted-types-for'), false);
  });

  it('sends JSON answers, refusals included, unframeable, unsniffable and uncached', async () => {
    const answers = [
      { path: '/healthz', status: 200 },
      { path: '/api/session', status: 401 },
      { path: '/no/such/page', status: 404 },
    ];
    for (const { path, status } of answers) {
      const response = await fetch(`${rt.internal}${path}`);

      assert.equal(response.status, status, path);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      assertApiHeaders(response);
    }
  });

  it("gives the gateway's own answers the handlers' security headers", async () => {
    const handlers = await fetch(`${rt.internal}/healthz`);
    const notSecurity = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);
    const expected = [...handlers.headers].filter(
      ([name]) => !notSecurity.has(name) && name !== 'transfer-encoding',
    );
    assert.ok(expected.length >= 5, JSON.stringify(expected));
    const oversizedCookie = `cookie: ${'a'.repeat(11 * 1024)}\r\n`;
    const upgrade = (path: string, extra = '') =>
      `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;
    const answers = {
      'not HTTP (400)': 'GET / HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n',
      'headers too large (431)': `GET /healthz HTTP/1.1\r\nHost: x\r\n${oversizedCookie}\r\n`,
      'body too large (413)': 'POST /auth/signout HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n',
      'CONNECT (501)': 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      'WebSocket upgrade without a ticket (401)': upgrade('/ws'),
      'WebSocket upgrade with a bad ticket (401)': upgrade('/ws', 'Cookie: __Host-cwa-ticket-internal=x\r\n'),
      'WebSocket upgrade elsewhere (404)': upgrade('/not-ws'),
    };
    for (const [what, request] of Object.entries(answers)) {
      const response = parseResponse(await rawRequest(rt.internal, request));

      assert.ok(response, `${what}: no answer`);
      for (const [name, value] of expected) {
        assert.equal(response.headers.get(name), value, `${what}: ${name}`);
      }
    }
  });

  it('sends the headers with the redirect after a browser sign-in', async () => {
    const response = await fetch(`${rt.internal}/auth/forms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        domain: demo.domain,
        username: demo.bob.username,
        password: demo.bob.password,
      }).toString(),
      redirect: 'manual',
    });

    assert.equal(response.status, 303);
    assertApiHeaders(response);
  });

  it('serves the static client with the same page policy as the sign-in pages', async () => {
    for (const path of ['/app/', '/app/app.js', '/app/style.css']) {
      const response = await fetch(`${rt.internal}${path}`);

      assert.equal(response.status, 200, path);
      assertPageHeaders(response);
    }
  });

  it('sends the static headers with the static redirect and a missing file too', async () => {
    const redirect = await fetch(`${rt.internal}/app`, { redirect: 'manual' });
    const missing = await fetch(`${rt.internal}/app/no-such-file.js`);

    assert.equal(redirect.status, 301);
    assertPageHeaders(redirect);
    assert.equal(missing.status, 404);
    assertPageHeaders(missing);
  });

  it('sends no HSTS with static files over plain HTTP (the TLS runtime adds it)', async () => {
    const response = await fetch(`${rt.internal}/app/`);

    assert.equal(response.headers.get('strict-transport-security'), null);
  });
});

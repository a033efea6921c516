import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bodyLimits } from '../../functions/routes.ts';
import { demo, postJson } from './support/client.ts';
import { exchange, parseResponse, rawRequest, type RawResponse } from './support/raw-http.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

let rt: TestRuntime;
before(async () => {
  rt = await startTestRuntime();
});
after(() => rt.close());

function assertRefusal(response: RawResponse | undefined, status: number, error: string) {
  assert.ok(response, 'no answer at all');
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  assert.equal((JSON.parse(response.body) as { error: string }).error, error);
}

describe('request bodies', () => {
  it('refuses a body on a route whose handler reads none, over 1 KB, with 413', async () => {
    const response = await fetch(`${rt.internal}/auth/signout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(bodyLimits.none) }),
    });

    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: string }).error, 'payload_too_large');
  });

  it('still signs out with an empty body or a small one', async () => {
    for (const body of [undefined, '{}']) {
      const response = await fetch(`${rt.internal}/auth/signout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        ...(body === undefined ? {} : { body }),
      });

      assert.equal(response.status, 204);
    }
  });

  it('answers 413 on the declared length alone, before the body is sent, and closes', async () => {
    // 10 MB declared, 1 KB sent: a gateway that buffers first would wait for the rest.
    const text = await exchange(rt.internal, (socket) =>
      socket.write(
        `POST /auth/signout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n${'x'.repeat(1024)}`,
      ),
    );

    const response = parseResponse(text);
    assertRefusal(response, 413, 'payload_too_large');
    assert.equal(response?.headers.get('connection'), 'close');
  });

  it('stops reading a chunked body at the limit', async () => {
    const chunk = 'x'.repeat(bodyLimits.none + 1);
    const text = await exchange(rt.internal, (socket) =>
      socket.write(
        `POST /api/session/leave HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`,
      ),
    );

    assertRefusal(parseResponse(text), 413, 'payload_too_large');
  });

  it('refuses an oversized body announced with Expect: 100-continue without inviting it', async () => {
    const text = await rawRequest(
      rt.internal,
      `POST /auth/forms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${bodyLimits.readsBody + 1}\r\nExpect: 100-continue\r\n\r\n`,
    );

    assert.doesNotMatch(text, /^HTTP\/1\.1 100/);
    assertRefusal(parseResponse(text), 413, 'payload_too_large');
  });

  it('invites a body within the limit after Expect: 100-continue', async () => {
    const body = JSON.stringify({ domain: demo.domain, username: demo.alice.username, password: 'wrong' });
    const text = await exchange(rt.internal, (socket) => {
      socket.write(
        `POST /auth/forms HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
      );
      socket.once('data', () => socket.write(body));
    });

    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n/);
    assert.equal(parseResponse(text)?.status, 401);
  });

  it('keeps the documented 16 KB for routes that read a body', async () => {
    const padded = (size: number) => ({
      domain: demo.domain,
      username: demo.bob.username,
      password: demo.bob.password,
      padding: 'x'.repeat(size),
    });

    assert.equal(
      (await postJson(rt.internal, '/auth/forms', padded(bodyLimits.readsBody - 200))).status,
      200,
    );
    assert.equal((await postJson(rt.internal, '/auth/forms', padded(bodyLimits.readsBody))).status, 413);
  });
});

describe('methods', () => {
  it('answers 405 with Allow for an address the site has, asked with another method', async () => {
    const cases = [
      { method: 'PUT', path: '/healthz', allow: 'GET' },
      { method: 'GET', path: '/auth/signout', allow: 'POST' },
      { method: 'DELETE', path: '/auth/forms', allow: 'GET, POST' },
      { method: 'OPTIONS', path: '/api/session', allow: 'GET' },
    ];
    for (const { method, path, allow } of cases) {
      const response = await fetch(`${rt.internal}${path}`, { method });

      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(response.headers.get('allow'), allow, `${method} ${path}`);
      assert.equal(((await response.json()) as { error: string }).error, 'method_not_allowed');
    }
  });

  it('answers 404 for an address the site does not have, whatever the method', async () => {
    for (const [base, method, path] of [
      [rt.internal, 'PUT', '/no/such/page'],
      [rt.external, 'GET', '/auth/windows'],
      [rt.external, 'POST', '/auth/windows'],
    ] as const) {
      const response = await fetch(`${base}${path}`, { method });

      assert.equal(response.status, 404, `${method} ${path}`);
    }
  });

  it('answers CONNECT, which asks a proxy for a tunnel, with 501 and a JSON error', async () => {
    const text = await rawRequest(
      rt.internal,
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    );

    assertRefusal(parseResponse(text), 501, 'method_not_implemented');
  });

  it('answers a method no HTTP server knows with 501 and a JSON error', async () => {
    const text = await rawRequest(rt.internal, 'BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n');

    assertRefusal(parseResponse(text), 501, 'method_not_implemented');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exchange, parseResponse } from './support/raw-http.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

/** Far above the 1 s / 2 s set here, far below Node's own 60 s / 300 s: only the settings explain an answer within it. */
const boundMs = 20_000;

let rt: TestRuntime;
before(async () => {
  rt = await startTestRuntime({
    handlerSettings: { HTTP_HEADERS_TIMEOUT_SECONDS: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '2' },
  });
});
after(() => rt.close());

describe('slow clients', () => {
  it('answers a client that never finishes its headers with 408 and closes the connection', async () => {
    const text = await exchange(
      rt.internal,
      (socket) => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'),
      boundMs,
    );

    const response = parseResponse(text);
    assert.ok(response, `no answer within ${boundMs} ms`);
    assert.equal(response.status, 408);
    assert.equal((JSON.parse(response.body) as { error: string }).error, 'request_timeout');
  });

  it('answers a client that never finishes its body with 408 and closes the connection', async () => {
    const text = await exchange(
      rt.internal,
      (socket) =>
        socket.write(
          'POST /auth/forms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"domain"',
        ),
      boundMs,
    );

    const response = parseResponse(text);
    assert.ok(response, `no answer within ${boundMs} ms`);
    assert.equal(response.status, 408);
    assert.equal((JSON.parse(response.body) as { error: string }).error, 'request_timeout');
  });

  it('still answers a client that sends its request in time', async () => {
    assert.equal((await fetch(`${rt.internal}/healthz`)).status, 200);
  });
});

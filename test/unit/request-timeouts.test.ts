import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../functions/config.ts';
import {
  createSiteServer,
  defaultRequestTimeouts,
  readRequestTimeouts,
} from '../../local/gateway/site-server.ts';

describe('request timeouts of the local sites', () => {
  it('bounds headers and whole requests to seconds by default', () => {
    const server = createSiteServer(undefined, () => undefined, readRequestTimeouts({}));

    assert.deepEqual(readRequestTimeouts({}), defaultRequestTimeouts);
    assert.equal(server.headersTimeout, defaultRequestTimeouts.headersSeconds * 1000);
    assert.equal(server.requestTimeout, defaultRequestTimeouts.requestSeconds * 1000);
    assert.ok(defaultRequestTimeouts.requestSeconds <= 60);
  });

  it('takes HTTP_HEADERS_TIMEOUT_SECONDS and HTTP_REQUEST_TIMEOUT_SECONDS', () => {
    const timeouts = readRequestTimeouts({
      HTTP_HEADERS_TIMEOUT_SECONDS: '5',
      HTTP_REQUEST_TIMEOUT_SECONDS: '20',
    });
    const server = createSiteServer(undefined, () => undefined, timeouts);

    assert.equal(server.headersTimeout, 5000);
    assert.equal(server.requestTimeout, 20_000);
  });

  it('refuses values that are not whole seconds, naming the setting', () => {
    for (const value of ['0', '-1', '1.5', 'ten', '3601']) {
      assert.throws(
        () => readRequestTimeouts({ HTTP_REQUEST_TIMEOUT_SECONDS: value }),
        (err: unknown) => err instanceof ConfigError && /HTTP_REQUEST_TIMEOUT_SECONDS/.test(err.message),
        value,
      );
    }
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    assert.throws(
      () => readRequestTimeouts({ HTTP_HEADERS_TIMEOUT_SECONDS: '30', HTTP_REQUEST_TIMEOUT_SECONDS: '10' }),
      /HTTP_HEADERS_TIMEOUT_SECONDS \(30\) may not exceed HTTP_REQUEST_TIMEOUT_SECONDS \(10\)/,
    );
  });
});

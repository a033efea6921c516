import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../functions/config.ts';
import { parsePublicOrigins, readPublicOrigins } from '../../functions/public-origin-config.ts';
import { configuredPublicOrigins, defaultPublicOrigins } from '../../local/public-origins.ts';

describe('PUBLIC_ORIGIN_INTERNAL / PUBLIC_ORIGIN_EXTERNAL', () => {
  it('reads a list of origins, the first canonical, each as browsers serialize it', () => {
    const origins = parsePublicOrigins(
      'PUBLIC_ORIGIN_INTERNAL',
      'https://IM.Contoso.com/, http://communicator:80 ,https://im.contoso.com:443',
    );

    assert.deepEqual(origins, {
      canonical: 'https://im.contoso.com',
      accepted: ['https://im.contoso.com', 'http://communicator'],
    });
  });

  it('refuses anything but an origin, naming the setting', () => {
    for (const raw of [
      'im.contoso.com',
      'ftp://im.contoso.com',
      'https://im.contoso.com/app',
      'https://im.contoso.com/?x',
      'https://im.contoso.com#x',
      'https://user@im.contoso.com',
      'https://im.contoso.com,',
      'null',
    ]) {
      assert.throws(
        () => parsePublicOrigins('PUBLIC_ORIGIN_EXTERNAL', raw),
        (err: unknown) => err instanceof ConfigError && err.message.startsWith('PUBLIC_ORIGIN_EXTERNAL'),
        raw,
      );
    }
  });

  it('is required for both sites: there is no fallback to the request’s Host', () => {
    assert.throws(
      () => readPublicOrigins({ PUBLIC_ORIGIN_INTERNAL: 'https://im.contoso.com' }),
      (err: unknown) => err instanceof ConfigError && err.message.includes('PUBLIC_ORIGIN_EXTERNAL'),
    );
  });
});

describe('the local runtime’s public origins', () => {
  it('defaults to localhost first, then the loopback address it listens on', () => {
    assert.deepEqual(defaultPublicOrigins('127.0.0.1', 8080, 'http'), [
      'http://localhost:8080',
      'http://127.0.0.1:8080',
    ]);
    assert.deepEqual(defaultPublicOrigins('::1', 8443, 'https'), [
      'https://localhost:8443',
      'https://[::1]:8443',
    ]);
    assert.deepEqual(defaultPublicOrigins('192.0.2.10', 8081, 'http'), ['http://192.0.2.10:8081']);
  });

  it('takes the administrator’s origins instead, checked at start', () => {
    assert.deepEqual(configuredPublicOrigins({ internal: 'https://im.contoso.com', external: ' ' }), {
      internal: ['https://im.contoso.com'],
    });
    assert.throws(() => configuredPublicOrigins({ external: 'im.contoso.com' }), /PUBLIC_ORIGIN_EXTERNAL/);
  });
});

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertionOffered, readAssertionSettings } from '../../functions/assertion-config.ts';
import { signInSettingsEnvironment } from '../../lib/sign-in-settings.ts';

const base = {
  ASSERTION_HEADER: 'X-Authenticated-User',
  ASSERTION_JWKS_URL: 'https://gateway.contoso.com/.well-known/jwks.json',
  ASSERTION_AUDIENCE: 'communicator',
};

describe('assertion settings', () => {
  it('are off without a header, and the chooser then offers no assertion sign-in', () => {
    assert.equal(readAssertionSettings({}), undefined);
    assert.equal(assertionOffered('internal', {}), false);
  });

  it('read the header in lower case, the defaults, and the sites', () => {
    const settings = readAssertionSettings({ ...base, ASSERTION_SITES: 'external' });
    assert.ok(settings);
    assert.equal(settings.header, 'x-authenticated-user');
    assert.equal(settings.maxAgeSeconds, 60);
    assert.equal(settings.userClaim, 'sub');
    assert.deepEqual(settings.sites, ['external']);
    assert.equal(assertionOffered('internal', { ...base, ASSERTION_SITES: 'external' }), false);
  });

  it('need exactly one verification key, an audience, and a header that is not a standard one', () => {
    const { ASSERTION_JWKS_URL: _url, ...noKey } = base;
    assert.throws(() => readAssertionSettings(noKey), /exactly one/);
    assert.throws(() => readAssertionSettings({ ...base, ASSERTION_PUBLIC_KEY: 'pem' }), /exactly one/);
    assert.throws(() => readAssertionSettings({ ...base, ASSERTION_AUDIENCE: '' }), /ASSERTION_AUDIENCE/);
    assert.throws(
      () => readAssertionSettings({ ...base, ASSERTION_HEADER: 'Authorization' }),
      /ASSERTION_HEADER/,
    );
    assert.throws(() => readAssertionSettings({ ...base, ASSERTION_HEADER: 'x user' }), /ASSERTION_HEADER/);
  });

  it('fetch keys over https only (plain http on loopback)', () => {
    assert.throws(
      () => readAssertionSettings({ ...base, ASSERTION_JWKS_URL: 'http://gateway.contoso.com/jwks' }),
      /https/,
    );
    assert.ok(readAssertionSettings({ ...base, ASSERTION_JWKS_URL: 'http://127.0.0.1:9000/jwks' }));
  });

  it('take the key as PEM text, checked when read, and refuse a key file at synth (no file is deployed)', () => {
    const { ASSERTION_JWKS_URL: _url, ...noKey } = base;
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.ok(readAssertionSettings({ ...noKey, ASSERTION_PUBLIC_KEY: pem }));
    assert.throws(
      () =>
        readAssertionSettings({
          ...noKey,
          ASSERTION_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
        }),
      /ASSERTION_PUBLIC_KEY: not a PEM public key/,
    );
    assert.throws(
      () => signInSettingsEnvironment({ ...noKey, ASSERTION_PUBLIC_KEY_FILE: '/etc/upstream.pem' }),
      /ASSERTION_PUBLIC_KEY/,
    );
  });
});

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tables } from '../../functions/core/storage/tables.ts';
import { readCertificateSettings } from '../../functions/certificate-config.ts';
import { checkSettings } from '../../functions/settings-check.ts';

/** The checks every function runs as it loads, and the local runtime before it listens. */

let dir: string;
const files = { signingKey: '', shortKey: '', directory: '', publicKey: '', badCa: '' };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cwa-settings-check-'));
  Object.assign(files, {
    signingKey: join(dir, 'ticket-signing-key'),
    shortKey: join(dir, 'short-key'),
    directory: join(dir, 'a-directory'),
    publicKey: join(dir, 'upstream.pem'),
    badCa: join(dir, 'bad-ca.pem'),
  });
  await writeFile(files.signingKey, 'x'.repeat(64));
  await writeFile(files.shortKey, 'short\n');
  await mkdir(files.directory);
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(files.publicKey, publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(files.badCa, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
});
after(() => rm(dir, { recursive: true, force: true }));

/** What the local runtime sets for the handlers. */
const base = (): Record<string, string> => ({
  ...Object.fromEntries(Object.values(tables).map((table) => [table.envVar, table.envVar.toLowerCase()])),
  SIGNING_KEY_FILE: files.signingKey,
});
const ldap = {
  DIRECTORY_PROVIDER: 'ldap',
  LDAP_URL: 'ldaps://dc1.contoso.com',
  LDAP_BIND_DN: 'CN=svc-communicator,OU=Service Accounts,DC=contoso,DC=com',
  LDAP_BIND_PASSWORD: 'service-password',
  LDAP_BASE_DN: 'DC=contoso,DC=com',
  LDAP_DOMAIN: 'CONTOSO',
};
const assertion = { ASSERTION_HEADER: 'x-upstream-assertion', ASSERTION_AUDIENCE: 'communicator' };

describe('checkSettings', () => {
  it('takes the settings the runtime sets, and good optional ones', async () => {
    await checkSettings(base());
    await checkSettings({
      ...base(),
      ...ldap,
      ...assertion,
      ASSERTION_PUBLIC_KEY_FILE: files.publicKey,
      LEGACY_URL: 'https://legacy.contoso.com/cwa/',
      PUBLIC_ORIGIN_INTERNAL: 'https://im.contoso.com,http://localhost:8080',
      NTLM_DOMAIN: 'CONTOSO',
      TICKET_LIFETIME_SECONDS: '31536000',
      WS_FRAME_RATE_LIMIT: '1000000000',
      SSO_ISSUER: 'https://login.contoso.com',
      SSO_CLIENT_ID: 'communicator',
      SSO_CLIENT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sso-AbCdEf',
    });
  });

  const refusals: readonly [string, () => Record<string, string>, RegExp][] = [
    ['a missing table name', () => ({ ...base(), USERS_TABLE: '' }), /missing required setting USERS_TABLE/],
    [
      'a signing key file that cannot be read',
      () => ({ ...base(), SIGNING_KEY_FILE: files.directory }),
      /SIGNING_KEY_FILE=\S*a-directory: not a usable ticket signing key: EISDIR/,
    ],
    [
      'a signing key too short to be one',
      () => ({ ...base(), SIGNING_KEY_FILE: files.shortKey }),
      /SIGNING_KEY_FILE=\S*short-key: not a usable ticket signing key: ticket signing secret is too short/,
    ],
    [
      'a secret ARN that is none',
      () => ({ ...base(), KERBEROS_KEYTAB_SECRET_ARN: 'communicator/keytab' }),
      /KERBEROS_KEYTAB_SECRET_ARN must be the ARN of a Secrets Manager secret/,
    ],
    [
      'a number written otherwise',
      () => ({ ...base(), REGULATION_MAX_FAILURES: '1e3' }),
      /REGULATION_MAX_FAILURES/,
    ],
    [
      'a negative number',
      () => ({ ...base(), TICKET_LEAVE_GRACE_SECONDS: '-5' }),
      /TICKET_LEAVE_GRACE_SECONDS/,
    ],
    [
      'an empty count',
      () => ({ ...base(), WS_FRAME_RATE_LIMIT: '0' }),
      /WS_FRAME_RATE_LIMIT must be a positive/,
    ],
    [
      'a JWKS fetch timeout past a minute',
      () => ({
        ...base(),
        ...assertion,
        ASSERTION_JWKS_URL: 'https://up.contoso.com/jwks',
        ASSERTION_JWKS_TIMEOUT_MS: '600000',
      }),
      /ASSERTION_JWKS_TIMEOUT_MS must be a positive integer up to 60000/,
    ],
    [
      'an assertion key that is a certificate authority file',
      () => ({ ...base(), ...assertion, ASSERTION_PUBLIC_KEY_FILE: files.badCa }),
      /ASSERTION_PUBLIC_KEY_FILE=\S*bad-ca\.pem: not a PEM public key/,
    ],
    [
      'a connections endpoint that is no URL',
      () => ({ ...base(), CONNECTIONS_ENDPOINT: '127.0.0.1:9001' }),
      /CONNECTIONS_ENDPOINT must be an absolute http or https URL/,
    ],
    [
      'an LDAP bind DN that is no DN',
      () => ({ ...base(), ...ldap, LDAP_BIND_DN: 'svc-communicator@contoso.com' }),
      /LDAP_BIND_DN must be a distinguished name/,
    ],
    [
      'an LDAP user filter that does not parse',
      () => ({ ...base(), ...ldap, LDAP_USER_FILTER: '(objectClass=user' }),
      /LDAP_USER_FILTER is not an LDAP filter/,
    ],
    [
      'an LDAP CA without a certificate',
      () => ({ ...base(), ...ldap, LDAP_CA_PEM: 'not PEM' }),
      /LDAP_CA_PEM holds no PEM certificate/,
    ],
    [
      'a Kerberos principal without its realm',
      () => ({ ...base(), KERBEROS_SERVICE_PRINCIPAL: 'HTTP/im.contoso.com' }),
      /KERBEROS_SERVICE_PRINCIPAL 'HTTP\/im\.contoso\.com' names no realm/,
    ],
    [
      'a two-factor step longer than a year',
      () => ({ ...base(), TWO_FACTOR_PENDING_SECONDS: '40000000' }),
      /TWO_FACTOR_PENDING_SECONDS must be a positive integer up to 31536000/,
    ],
  ];
  for (const [what, env, message] of refusals) {
    it(`refuses ${what}, naming the setting`, async () => {
      await assert.rejects(checkSettings(env()), (err: Error) => {
        assert.equal(err.name, 'ConfigError');
        assert.match(err.message, message);
        return true;
      });
    });
  }

  it('leaves certificate sign-in to its own functions, which check every CA certificate parses', () => {
    const env = { ...base(), CLIENT_CERT_SITES: 'internal', CLIENT_CERT_CA_FILE: files.badCa };
    assert.throws(
      () => readCertificateSettings(env),
      /CLIENT_CERT_CA_FILE \S*bad-ca\.pem: certificate 1 does not parse/,
    );
    assert.throws(
      () => readCertificateSettings({ ...env, CLIENT_CERT_CA: 'not PEM' }),
      /CLIENT_CERT_CA holds no PEM certificate/,
    );
  });
});

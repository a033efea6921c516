import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import { CachedDirectory } from '../../functions/core/directory/cached-directory.ts';
import {
  entryValues,
  flagOf,
  optionFlagEnhancedPresence,
  parseFlagSource,
  schemaPresets,
  userOfEntry,
} from '../../functions/core/directory/ldap/mapping.ts';
import { parseUserFilter } from '../../functions/core/directory/ldap/user-filter.ts';
import type { DirectoryStore } from '../../functions/core/directory/store.ts';
import { AppError } from '../../functions/core/errors.ts';
import type { DirectoryUser } from '../../functions/core/model.ts';
import { ConfigError } from '../../functions/config.ts';
import { readDirectorySettings } from '../../functions/directory-config.ts';

const ldapEnv = {
  DIRECTORY_PROVIDER: 'ldap',
  LDAP_URL: 'ldaps://dc1.contoso.com',
  LDAP_BIND_DN: 'CN=svc-communicator,OU=Service Accounts,DC=contoso,DC=com',
  LDAP_BIND_PASSWORD: 'service-password',
  LDAP_BASE_DN: 'DC=contoso,DC=com',
  LDAP_DOMAIN: 'CONTOSO',
};

describe('directory settings', () => {
  it('defaults to the built-in directory', () => {
    assert.deepEqual(readDirectorySettings({}), { provider: 'builtin' });
  });

  it('reads an Active Directory deployment with the OCS mapping by default', () => {
    const settings = readDirectorySettings(ldapEnv);
    assert.equal(settings.provider, 'ldap');
    if (settings.provider !== 'ldap') return;
    assert.equal(settings.mapping.sipUri, 'msRTCSIP-PrimaryUserAddress');
    assert.deepEqual(settings.mapping.enhancedPresence, {
      kind: 'bits',
      attribute: 'msRTCSIP-OptionFlags',
      mask: 256,
    });
    assert.deepEqual(settings.bindPassword, { value: 'service-password' });
    assert.equal(settings.policyCacheSeconds, 30);
    assert.equal(settings.timeoutMs, 5000);
  });

  it('takes the service password by Secrets Manager reference on AWS', () => {
    const { LDAP_BIND_PASSWORD: _value, ...env } = ldapEnv;
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ldap-AbCdEf';
    const settings = readDirectorySettings({ ...env, LDAP_BIND_PASSWORD_SECRET_ARN: arn });
    assert.deepEqual(settings.provider === 'ldap' && settings.bindPassword, { secretArn: arn });
  });

  it('overrides single attributes and flags of a preset', () => {
    const settings = readDirectorySettings({
      ...ldapEnv,
      LDAP_SCHEMA: 'openldap',
      LDAP_FLAG_REMOTE_ACCESS: 'memberOf=cn=remote,ou=groups,dc=contoso,dc=com',
      LDAP_FLAG_ENABLED: 'employeeType=communicator',
      LDAP_ATTR_DISPLAY_NAME: 'cn',
    });
    assert.ok(settings.provider === 'ldap');
    assert.equal(settings.mapping.username, 'uid');
    assert.equal(settings.mapping.sipUriPrefixed, false);
    assert.equal(settings.mapping.displayName, 'cn');
    assert.deepEqual(settings.mapping.remoteAccess, {
      kind: 'value',
      attribute: 'memberOf',
      value: 'cn=remote,ou=groups,dc=contoso,dc=com',
    });
  });

  it('refuses settings that would fail later, at start, naming the setting', () => {
    const refusals: [Record<string, string>, RegExp][] = [
      [{ DIRECTORY_PROVIDER: 'ad' }, /DIRECTORY_PROVIDER/],
      [{ ...ldapEnv, LDAP_URL: 'ldap://dc1.contoso.com' }, /LDAP_STARTTLS/],
      [{ ...ldapEnv, LDAP_URL: 'ldaps://dc1.contoso.com', LDAP_STARTTLS: 'true' }, /LDAP_STARTTLS/],
      [{ ...ldapEnv, LDAP_URL: 'https://dc1.contoso.com' }, /LDAP_URL/],
      [{ ...ldapEnv, LDAP_BIND_PASSWORD: '' }, /LDAP_BIND_PASSWORD/],
      [{ ...ldapEnv, LDAP_BASE_DN: '' }, /LDAP_BASE_DN/],
      [{ ...ldapEnv, LDAP_SCHEMA: 'novell' }, /LDAP_SCHEMA/],
      [{ ...ldapEnv, LDAP_FLAG_ENABLED: 'msRTCSIP-OptionFlags&zero' }, /LDAP_FLAG_ENABLED/],
      [{ ...ldapEnv, LDAP_ATTR_USERNAME: 'sAMAccountName)(uid=*' }, /LDAP_ATTR_USERNAME/],
      [{ ...ldapEnv, LDAP_TIMEOUT_MS: '0' }, /LDAP_TIMEOUT_MS/],
      [{ ...ldapEnv, LDAP_POLICY_CACHE_SECONDS: '3600' }, /LDAP_POLICY_CACHE_SECONDS/],
      [{ ...ldapEnv, LDAP_CA_FILE: '/nonexistent/ca.pem' }, /LDAP_CA_FILE/],
      [{ ...ldapEnv, LDAP_DOMAIN: 'CONTOSO\\x' }, /LDAP_DOMAIN/],
    ];
    for (const [env, pattern] of refusals) {
      assert.throws(
        () => readDirectorySettings(env),
        (err) => err instanceof ConfigError && pattern.test(err.message),
      );
    }
  });

  it('refuses a user filter that is not LDAP filter syntax, where it is parsed', () => {
    const settings = readDirectorySettings({ ...ldapEnv, LDAP_USER_FILTER: '(objectClass=user' });
    assert.ok(settings.provider === 'ldap');
    assert.throws(
      () => parseUserFilter(settings.mapping.userFilter),
      (err) => err instanceof ConfigError && /LDAP_USER_FILTER/.test(err.message),
    );
  });
});

describe('LDAP attribute mapping', () => {
  const ad = schemaPresets['active-directory'];
  const entry = (attributes: Record<string, string | string[]>) => entryValues({ dn: 'CN=x', ...attributes });

  it('reads enhanced presence from msRTCSIP-OptionFlags bit 8 (256), whatever else is set', () => {
    assert.equal(optionFlagEnhancedPresence, 256);
    const flag = ad.enhancedPresence;
    assert.equal(flagOf(entry({ 'msRTCSIP-OptionFlags': '256' }), flag), true);
    assert.equal(flagOf(entry({ 'msRTCSIP-OptionFlags': '385' }), flag), true);
    assert.equal(flagOf(entry({ 'msRTCSIP-OptionFlags': '257' }), flag), true);
    assert.equal(flagOf(entry({ 'msRTCSIP-OptionFlags': '16' }), flag), false);
    assert.equal(flagOf(entry({ 'msRTCSIP-OptionFlags': '-2147483392' }), flag), true, 'AD signed 32-bit');
    assert.equal(flagOf(entry({ 'msRTCSIP-OptionFlags': 'lots' }), flag), false);
    assert.equal(flagOf(entry({}), flag), false);
  });

  it('reads Boolean attributes as LDAP writes them, anything else as false', () => {
    assert.equal(flagOf(entry({ 'msRTCSIP-UserEnabled': 'TRUE' }), ad.enabled), true);
    assert.equal(flagOf(entry({ 'msrtcsip-userenabled': 'TRUE' }), ad.enabled), true, 'names ignore case');
    assert.equal(flagOf(entry({ 'msRTCSIP-UserEnabled': 'FALSE' }), ad.enabled), false);
    assert.equal(flagOf(entry({ 'msRTCSIP-UserEnabled': 'yes' }), ad.enabled), false);
  });

  it('parses flag sources as settings write them', () => {
    assert.deepEqual(parseFlagSource('always'), { kind: 'constant', value: true });
    assert.deepEqual(parseFlagSource('msRTCSIP-OptionFlags&0x100'), {
      kind: 'bits',
      attribute: 'msRTCSIP-OptionFlags',
      mask: 256,
    });
    assert.deepEqual(parseFlagSource('memberOf=CN=IM,DC=x'), {
      kind: 'value',
      attribute: 'memberOf',
      value: 'CN=IM,DC=x',
    });
    assert.equal(parseFlagSource('(uid=*)'), undefined);
    assert.equal(parseFlagSource('flags&0'), undefined);
  });

  it('makes a user of an entry, and nobody of an entry without a usable SIP URI', () => {
    const user = userOfEntry(
      entry({
        sAMAccountName: 'alice',
        'msRTCSIP-PrimaryUserAddress': 'SIP:Alice@Contoso.com',
        displayName: 'Alice Ahn',
        'msRTCSIP-UserEnabled': 'TRUE',
        'msRTCSIP-OptionFlags': '257',
        'msRTCSIP-InternetAccessEnabled': 'FALSE',
      }),
      ad,
      'CONTOSO',
    );
    assert.deepEqual(user, {
      sipUri: 'sip:alice@contoso.com',
      domain: 'CONTOSO',
      username: 'alice',
      displayName: 'Alice Ahn',
      enabled: true,
      enhancedPresence: true,
      remoteAccess: false,
    });
    assert.equal(
      userOfEntry(entry({ sAMAccountName: 'x', 'msRTCSIP-PrimaryUserAddress': 'x y' }), ad, 'C'),
      undefined,
    );
    assert.equal(userOfEntry(entry({ 'msRTCSIP-PrimaryUserAddress': 'sip:a@b.c' }), ad, 'C'), undefined);
    const plain = userOfEntry(
      entry({ uid: 'bob', mail: 'bob@contoso.com', cn: 'Bob' }),
      schemaPresets.openldap,
      'C',
    );
    assert.equal(plain?.sipUri, 'sip:bob@contoso.com');
    assert.equal(plain?.displayName, 'Bob');
  });
});

describe('policy cache in front of a remote directory', () => {
  const user = (enabled: boolean): DirectoryUser => ({
    sipUri: 'sip:erin@contoso.com',
    domain: 'CONTOSO',
    username: 'erin',
    displayName: 'Erin',
    enabled,
    enhancedPresence: true,
    remoteAccess: true,
  });

  function remote() {
    let current: DirectoryUser | AppError = user(true);
    let reads = 0;
    const directory = {
      findBySipUri: async () => {
        reads++;
        if (current instanceof AppError) throw current;
        return current;
      },
      findManyBySipUri: async () => {
        reads++;
        if (current instanceof AppError) throw current;
        return [current];
      },
    } as unknown as DirectoryStore;
    return {
      directory,
      set: (next: DirectoryUser | AppError) => (current = next),
      reads: () => reads,
    };
  }

  it('reuses a policy read for the cache time, then reads the directory again', async () => {
    const clock = frozenClock(0);
    const r = remote();
    const cached = new CachedDirectory(r.directory, clock, 30);
    assert.equal((await cached.findBySipUri('sip:Erin@contoso.com'))?.enabled, true);
    r.set(user(false));
    clock.advance(29_000);
    assert.equal((await cached.findBySipUri('sip:erin@contoso.com'))?.enabled, true);
    assert.equal((await cached.findManyBySipUri(['sip:erin@contoso.com']))[0]?.enabled, true);
    assert.equal(r.reads(), 1);
    clock.advance(1_000);
    assert.equal((await cached.findBySipUri('sip:erin@contoso.com'))?.enabled, false);
    assert.equal(r.reads(), 2);
  });

  it('never answers from an expired entry when the directory is down', async () => {
    const clock = frozenClock(0);
    const r = remote();
    const cached = new CachedDirectory(r.directory, clock, 30);
    await cached.findBySipUri('sip:erin@contoso.com');
    r.set(new AppError('directory_unavailable', 'down'));
    clock.advance(31_000);
    await assert.rejects(cached.findBySipUri('sip:erin@contoso.com'), /down/);
    await assert.rejects(cached.findManyBySipUri(['sip:erin@contoso.com']), /down/);
  });

  it('reads on every request with a cache time of 0', async () => {
    const r = remote();
    const cached = new CachedDirectory(r.directory, frozenClock(0), 0);
    await cached.findBySipUri('sip:erin@contoso.com');
    await cached.findBySipUri('sip:erin@contoso.com');
    assert.equal(r.reads(), 2);
  });
});

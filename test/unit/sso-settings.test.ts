import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DirectoryAccount, DirectoryStore } from '../../functions/core/directory/store.ts';
import { userOfIdToken, type SsoRules } from '../../functions/core/signin/sso.ts';
import { isSignOutPage, readSignOutPages } from '../../functions/sign-out-config.ts';
import { readSsoSettings, ssoOffered } from '../../functions/sso-config.ts';
import { signInSettingsEnvironment } from '../../lib/sign-in-settings.ts';

const base = { SSO_ISSUER: 'https://login.example.com/tenant', SSO_CLIENT_ID: 'communicator' };

describe('SSO settings', () => {
  it('are off without an issuer, and the chooser then offers no single sign-on', () => {
    assert.equal(readSsoSettings({}), undefined);
    assert.equal(ssoOffered('internal', {}), false);
  });

  it('read the defaults, and per-site idle timeout and persistent cookie with the general value as fallback', () => {
    const settings = readSsoSettings({
      ...base,
      SSO_CLIENT_SECRET: 'secret',
      SSO_IDLE_SECONDS: '600',
      SSO_IDLE_SECONDS_EXTERNAL: '300',
      SSO_PERSISTENT_COOKIE_SECONDS_EXTERNAL: '86400',
    });
    assert.ok(settings);
    assert.equal(settings.clientAuth, 'client_secret_basic');
    assert.equal(settings.userClaim, 'email');
    assert.deepEqual(settings.sites, ['internal', 'external']);
    assert.deepEqual(settings.perSite.internal, { idleSeconds: 600, persistentCookieSeconds: undefined });
    assert.deepEqual(settings.perSite.external, { idleSeconds: 300, persistentCookieSeconds: 86400 });
  });

  it('offer SSO only on the sites SSO_SITES names', () => {
    const env = { ...base, SSO_SITES: 'external' };
    assert.equal(ssoOffered('internal', env), false);
    assert.equal(ssoOffered('external', env), true);
  });

  it('refuse a provider over plain http except on loopback, and URLs with credentials', () => {
    assert.throws(() => readSsoSettings({ ...base, SSO_ISSUER: 'http://login.example.com' }), /https/);
    assert.throws(() => readSsoSettings({ ...base, SSO_ISSUER: 'https://u:p@login.example.com' }), /https/);
    assert.ok(readSsoSettings({ ...base, SSO_ISSUER: 'http://127.0.0.1:8443' }));
    assert.ok(readSsoSettings({ ...base, SSO_ISSUER: 'http://localhost:8443/realms/x' }));
  });

  it('refuse a missing client id, a secret-based client auth without a secret, and scopes without openid', () => {
    assert.throws(() => readSsoSettings({ SSO_ISSUER: base.SSO_ISSUER }), /SSO_CLIENT_ID/);
    assert.throws(
      () => readSsoSettings({ ...base, SSO_CLIENT_AUTH: 'client_secret_post' }),
      /SSO_CLIENT_SECRET/,
    );
    assert.throws(() => readSsoSettings({ ...base, SSO_SCOPES: 'email profile' }), /openid/);
    assert.throws(() => readSsoSettings({ ...base, SSO_IDLE_SECONDS_INTERNAL: '0' }), /positive integer/);
    assert.throws(() => readSsoSettings({ ...base, SSO_SITES: 'intranet' }), /SSO_SITES/);
  });
});

describe('the sign-out page', () => {
  it('is an absolute https URL or a path on the site', () => {
    for (const page of ['/', '/signed-out.html', '/?signed-out', 'https://proxy.contoso.com/logoff']) {
      assert.equal(isSignOutPage(page), true, page);
    }
  });

  it('is never anything a browser could read as another site, or a script', () => {
    for (const page of [
      '//evil.example/',
      '/\\evil.example/',
      '\\\\evil.example',
      'http://proxy.contoso.com/logoff',
      'javascript:alert(1)',
      'https://user:pass@proxy.contoso.com/',
      '/\tevil',
      'signed-out',
    ]) {
      assert.equal(isSignOutPage(page), false, page);
    }
  });

  it('is read per site, validated when read, with the chooser as default', () => {
    assert.deepEqual(readSignOutPages({}), { internal: '/', external: '/' });
    assert.deepEqual(
      readSignOutPages({
        SIGNOUT_PAGE_URL: '/bye',
        SIGNOUT_PAGE_URL_EXTERNAL: 'https://proxy.contoso.com/logoff',
      }),
      { internal: '/bye', external: 'https://proxy.contoso.com/logoff' },
    );
    assert.throws(
      () => readSignOutPages({ SIGNOUT_PAGE_URL_INTERNAL: '//evil.example' }),
      /SIGNOUT_PAGE_URL_INTERNAL/,
    );
  });
});

describe('sign-in settings of a deployment', () => {
  it('are checked at synthesis: a client secret only by ARN, sign-in settings only', () => {
    assert.deepEqual(
      signInSettingsEnvironment({ ...base, SSO_CLIENT_SECRET_ARN: 'arn:aws:secretsmanager:x' }),
      {
        ...base,
        SSO_CLIENT_SECRET_ARN: 'arn:aws:secretsmanager:x',
      },
    );
    assert.throws(() => signInSettingsEnvironment({ ...base, SSO_CLIENT_SECRET: 's' }), /Secrets Manager/);
    assert.throws(() => signInSettingsEnvironment({ TICKET_IDLE_SECONDS: '5' }), /not a sign-in setting/);
    assert.throws(
      () => signInSettingsEnvironment({ SIGNOUT_PAGE_URL: '//evil.example' }),
      /SIGNOUT_PAGE_URL/,
    );
  });
});

/** A directory of two users, enough to map claims. */
const users: DirectoryAccount[] = [
  {
    sipUri: 'sip:alice@contoso.com',
    domain: 'CONTOSO',
    username: 'alice',
    displayName: 'Alice Ahn',
    enabled: true,
    enhancedPresence: true,
    remoteAccess: true,
    passwordHash: 'not-for-sso',
  },
];
const directory = {
  findBySipUri: async (sipUri: string) => users.find((u) => u.sipUri === sipUri),
  findByAccount: async (domain: string, username: string) =>
    users.find(
      (u) => u.domain.toLowerCase() === domain.toLowerCase() && u.username === username.toLowerCase(),
    ),
} as unknown as DirectoryStore;

const rules = (overrides: Partial<SsoRules>): SsoRules => ({
  sites: ['internal', 'external'],
  userClaim: 'email',
  userMapping: 'sip',
  accountDomains: new Map(),
  loginSeconds: 600,
  perSite: {
    internal: { idleSeconds: undefined, persistentCookieSeconds: undefined },
    external: { idleSeconds: undefined, persistentCookieSeconds: undefined },
  },
  ...overrides,
});

describe('which directory user an ID token names', () => {
  it('maps the claim as a SIP address, case-insensitively', async () => {
    const user = await userOfIdToken({ directory, rules: rules({}) }, {
      email: 'Alice@Contoso.com',
      email_verified: true,
    } as never);
    assert.equal(user.sipUri, 'sip:alice@contoso.com');
  });

  it('maps user@dns.domain and DOMAIN\\user as accounts, with the DNS domain map, and never hands out the password hash', async () => {
    const deps = {
      directory,
      rules: rules({
        userClaim: 'upn',
        userMapping: 'account',
        accountDomains: new Map([['CORP.EXAMPLE', 'CONTOSO']]),
      }),
    };
    const byUpn = await userOfIdToken(deps, { upn: 'alice@corp.example' } as never);
    assert.equal(byUpn.sipUri, 'sip:alice@contoso.com');
    assert.equal('passwordHash' in byUpn, false);
    assert.equal(
      (await userOfIdToken(deps, { upn: 'CONTOSO\\alice' } as never)).sipUri,
      'sip:alice@contoso.com',
    );
    assert.equal(
      (await userOfIdToken(deps, { upn: 'alice@contoso.com' } as never)).sipUri,
      'sip:alice@contoso.com',
    );
  });

  it('refuses a missing claim, an unknown user, and an e-mail the provider did not say it verified, with sso_user_unknown', async () => {
    const deps = { directory, rules: rules({}) };
    for (const claims of [
      {},
      { email: 42 },
      { email: 'mallory@contoso.com' },
      { email: 'alice@contoso.com', email_verified: false },
      { email: 'alice@contoso.com' },
    ]) {
      await assert.rejects(
        userOfIdToken(deps, claims as never),
        { code: 'sso_user_unknown' },
        JSON.stringify(claims),
      );
    }
  });
});

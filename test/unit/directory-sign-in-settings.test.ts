import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signInSettingsEnvironment } from '../../lib/sign-in-settings.ts';

const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:communicator-ldap-AbCdEf';
const ad = {
  DIRECTORY_PROVIDER: 'ldap',
  LDAP_URL: 'ldaps://dc1.contoso.com',
  LDAP_BIND_DN: 'CN=svc-communicator,OU=Service Accounts,DC=contoso,DC=com',
  LDAP_BIND_PASSWORD_SECRET_ARN: arn,
  LDAP_BASE_DN: 'DC=contoso,DC=com',
  LDAP_DOMAIN: 'CONTOSO',
};

describe('deployment settings for Active Directory / LDAP (signInSettings)', () => {
  it('passes the directory settings to the handlers, checked as they will read them', () => {
    assert.deepEqual(signInSettingsEnvironment(ad), ad);
  });

  it('refuses the service password itself, a CA file, and a setting the handlers would refuse, at synth', () => {
    const refusals: [Record<string, string>, RegExp][] = [
      [{ ...ad, LDAP_BIND_PASSWORD: 'secret' }, /LDAP_BIND_PASSWORD_SECRET_ARN/],
      [{ ...ad, LDAP_CA_FILE: '/etc/ssl/ca.pem' }, /LDAP_CA_PEM/],
      [{ ...ad, LDAP_URL: 'ldap://dc1.contoso.com' }, /LDAP_STARTTLS/],
      [{ ...ad, LDAP_BASE_DN: '' }, /LDAP_BASE_DN/],
      [{ ...ad, LDAP_USER_FILTER: '(objectClass=user' }, /LDAP_USER_FILTER/],
      [{ ...ad, LDAP_BIND_PASSWORD_SECRET_ARN: 'communicator-ldap' }, /complete ARN/],
    ];
    for (const [settings, pattern] of refusals) {
      assert.throws(() => signInSettingsEnvironment(settings), pattern);
    }
  });
});

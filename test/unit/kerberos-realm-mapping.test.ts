import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DirectoryStore } from '../../functions/core/directory/store.ts';
import type { WindowsIdentityStore } from '../../functions/core/directory/windows-identities.ts';
import { isAppError } from '../../functions/core/errors.ts';
import type { KerberosClient } from '../../functions/core/kerberos/acceptor.ts';
import type { DirectoryUser } from '../../functions/core/model.ts';
import { domainOfClientRealm, domainOfRealm, userOfPrincipal } from '../../functions/core/signin/windows.ts';
import { parseRealmDomains } from '../../functions/windows-config.ts';

const ceo: DirectoryUser = {
  sipUri: 'sip:ceo@contoso.com',
  domain: 'CONTOSO',
  username: 'ceo',
  displayName: 'The CEO',
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
};
const partnerUser: DirectoryUser = { ...ceo, sipUri: 'sip:pat@partner.example', username: 'pat' };

/** A directory holding CONTOSO\ceo, and one recorded principal of a partner realm. */
function deps(realmDomains: ReadonlyMap<string, string>) {
  const directory = {
    findByAccount: (domain: string, username: string) =>
      Promise.resolve(domain === 'CONTOSO' && username === 'ceo' ? { ...ceo, passwordHash: 'x' } : undefined),
    findBySipUri: (sipUri: string) =>
      Promise.resolve([ceo, partnerUser].find((user) => user.sipUri === sipUri)),
  } as unknown as DirectoryStore;
  const identities = {
    findKerberos: (principal: string) =>
      Promise.resolve(principal === 'pat@CONTOSO.PARTNER.COM' ? partnerUser.sipUri : undefined),
  } as unknown as WindowsIdentityStore;
  return { directory, identities, realmDomains };
}
const client = (name: string, realm: string): KerberosClient => ({
  name,
  realm,
  principal: `${name}@${realm}`,
});
const unknownUser = (err: unknown) =>
  isAppError(err) && err.code === 'windows_user_unknown' && err.status === 403;
const configured = new Map([['CONTOSO.COM', 'CONTOSO']]);

describe('which realms Kerberos maps to directory users by name', () => {
  it('maps only the listed realms when KERBEROS_REALM_DOMAINS is set', async () => {
    assert.equal(
      (await userOfPrincipal(deps(configured), client('ceo', 'CONTOSO.COM'), 'CONTOSO.COM')).sipUri,
      ceo.sipUri,
    );
    // A trusted partner realm whose first label is the same: not CONTOSO\ceo.
    await assert.rejects(
      userOfPrincipal(deps(configured), client('ceo', 'CONTOSO.PARTNER.COM'), 'CONTOSO.COM'),
      unknownUser,
    );
    assert.equal(domainOfClientRealm('CONTOSO.COM', 'CONTOSO.COM', configured), 'CONTOSO');
    assert.equal(domainOfClientRealm('CONTOSO.PARTNER.COM', 'CONTOSO.PARTNER.COM', configured), undefined);
  });

  it("maps only the service's own realm, by its first label, when it is not set", async () => {
    const unset = new Map<string, string>();
    assert.equal(
      (await userOfPrincipal(deps(unset), client('ceo', 'CONTOSO.COM'), 'CONTOSO.COM')).sipUri,
      ceo.sipUri,
    );
    await assert.rejects(
      userOfPrincipal(deps(unset), client('ceo', 'CONTOSO.PARTNER.COM'), 'CONTOSO.COM'),
      unknownUser,
    );
    assert.equal(domainOfClientRealm('CONTOSO.COM', 'CONTOSO.COM', unset), 'CONTOSO');
    assert.equal(domainOfClientRealm('CONTOSO.PARTNER.COM', 'CONTOSO.COM', unset), undefined);
  });

  it('compares realms exactly, as Kerberos does: contoso.com is not CONTOSO.COM', async () => {
    for (const realmDomains of [configured, new Map<string, string>()]) {
      assert.equal(domainOfClientRealm('contoso.com', 'CONTOSO.COM', realmDomains), undefined);
      assert.equal(domainOfClientRealm('Contoso.Com', 'CONTOSO.COM', realmDomains), undefined);
      await assert.rejects(
        userOfPrincipal(deps(realmDomains), client('ceo', 'contoso.com'), 'CONTOSO.COM'),
        unknownUser,
      );
    }
  });

  it('still takes a principal an administrator recorded, from any realm', async () => {
    for (const realmDomains of [configured, new Map<string, string>()]) {
      const user = await userOfPrincipal(
        deps(realmDomains),
        client('pat', 'CONTOSO.PARTNER.COM'),
        'CONTOSO.COM',
      );
      assert.equal(user.sipUri, partnerUser.sipUri);
    }
  });
});

describe('KERBEROS_REALM_DOMAINS as configured', () => {
  it('keeps realms as written, so a Kerberos realm maps only in its exact case', () => {
    const configured = parseRealmDomains('example.test=LOWER, EXAMPLE.TEST=UPPER');

    assert.equal(domainOfClientRealm('example.test', 'EXAMPLE.TEST', configured), 'LOWER');
    assert.equal(domainOfClientRealm('EXAMPLE.TEST', 'EXAMPLE.TEST', configured), 'UPPER');
    assert.equal(domainOfClientRealm('Example.Test', 'EXAMPLE.TEST', configured), undefined);
  });

  it('matches an NTLM DNS domain in any case, as Windows does', () => {
    const configured = parseRealmDomains('EXAMPLE.TEST=CONTOSO');

    assert.equal(domainOfRealm('example.test', configured), 'CONTOSO');
    assert.equal(domainOfRealm('Example.Test', configured), 'CONTOSO');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WritableDirectoryStore } from '../../functions/core/directory/store.ts';
import type { NtlmAccount, WindowsIdentityStore } from '../../functions/core/directory/windows-identities.ts';
import { ntHash } from '../../functions/core/ntlm/md4.ts';
import type { ContactStore } from '../../functions/core/realtime/contacts-store.ts';
import { loadSeed, parseSeed, SeedError } from '../../local/seed.ts';

const user = (name: string, extra: Record<string, unknown> = {}) => ({
  username: name,
  password: `${name}-pass`,
  sipUri: `sip:${name}@contoso.com`,
  displayName: name,
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
  ...extra,
});

describe('The seed’s NTLM opt-in', () => {
  it('stores the NT hash of the users it adds with NTLM enabled only', async () => {
    const seed = parseSeed({ domain: 'CONTOSO', users: [user('alice', { ntlm: true }), user('bob')] });
    const ntlm = new Map<string, NtlmAccount>();
    const identities: Partial<WindowsIdentityStore> = {
      putNtlm: async (domain, username, account) =>
        void ntlm.set(`${domain}\\${username}`.toLowerCase(), account),
    };

    await loadSeed(
      seed,
      {
        directory: {
          put: async () => undefined,
          findBySipUri: async () => undefined,
          findByAccount: async () => undefined,
        } as unknown as WritableDirectoryStore,
        contacts: { add: async () => undefined } as unknown as ContactStore,
        windowsIdentities: identities as WindowsIdentityStore,
        seedRecords: { has: async () => false, add: async () => undefined },
      },
      0,
    );

    assert.deepEqual([...ntlm.keys()], ['contoso\\alice']);
    assert.deepEqual(ntlm.get('contoso\\alice')?.ntHash, ntHash('alice-pass'));
    assert.equal(ntlm.get('contoso\\alice')?.sipUri, 'sip:alice@contoso.com');
  });

  it('refuses an "ntlm" that is not a boolean, naming the user', () => {
    assert.throws(
      () => parseSeed({ domain: 'CONTOSO', users: [user('alice', { ntlm: 'yes' })] }),
      (err: unknown) => err instanceof SeedError && /users\[0\].*"ntlm"/.test(err.message),
    );
  });
});

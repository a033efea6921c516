import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { isAppError } from '../../functions/core/errors.ts';
import type { Site } from '../../functions/core/model.ts';
import { assertAccess } from '../../functions/core/policy/access.ts';
import { hashPassword, verifyPassword } from '../../functions/core/directory/passwords.ts';
import type { DirectoryAccount, WritableDirectoryStore } from '../../functions/core/directory/store.ts';
import type { ContactStore } from '../../functions/core/realtime/contacts-store.ts';
import { loadSeed, parseSeed, readSeedFile, SeedError } from '../../local/seed.ts';

const demoDirectory = fileURLToPath(new URL('../../local/demo-directory.json', import.meta.url));

function rawUser(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    username: name,
    password: `${name}-pass`,
    sipUri: `sip:${name}@contoso.com`,
    displayName: name.toUpperCase(),
    enabled: true,
    enhancedPresence: true,
    remoteAccess: true,
    contacts: [],
    ...overrides,
  };
}

const rawSeed = (...users: unknown[]) => ({ domain: 'CONTOSO', users });

/** Asserts the seed is refused with a SeedError whose message matches every pattern. */
function assertRefused(raw: unknown, ...mentions: RegExp[]): void {
  assert.throws(
    () => parseSeed(raw),
    (err: unknown) => {
      assert.ok(err instanceof SeedError, `expected a SeedError, got ${String(err)}`);
      for (const pattern of mentions) assert.match(err.message, pattern);
      return true;
    },
  );
}

void describe('directory seed', () => {
  void test('the bundled demo directory has a user for every sign-in outcome', async () => {
    const seed = await readSeedFile(demoDirectory);

    const outcomes = new Map<string, string>();
    for (const user of seed.users) {
      for (const site of ['internal', 'external'] satisfies Site[]) {
        try {
          assertAccess({ ...user, domain: seed.domain }, { site, legacyUrl: undefined });
          outcomes.set(`${site}: allowed`, user.username);
        } catch (err) {
          assert.ok(isAppError(err));
          outcomes.set(`${site}: ${err.code}`, user.username);
        }
      }
    }

    for (const outcome of [
      'external: allowed',
      'internal: allowed',
      'external: remote_access_denied',
      'internal: enhanced_presence_required',
      'internal: user_disabled',
    ]) {
      assert.ok(
        outcomes.has(outcome),
        `no demo user for "${outcome}"; got ${[...outcomes.keys()].join(', ')}`,
      );
    }
  });

  void test('the bundled demo directory only lists contacts that are its users', async () => {
    const seed = await readSeedFile(demoDirectory);
    const known = new Set(seed.users.map((u) => u.sipUri));

    assert.ok(seed.users.some((u) => u.contacts.length > 0));
    assert.ok(seed.users.every((u) => u.contacts.every((c) => known.has(c))));
  });

  void test('stores SIP URIs and contacts lower-cased and trimmed', () => {
    const seed = parseSeed(
      rawSeed(
        rawUser('alice', { sipUri: 'sip:Alice@Contoso.com', contacts: [' SIP:BOB@contoso.com '] }),
        rawUser('bob', { contacts: ['sip:alice@CONTOSO.COM'] }),
      ),
    );

    assert.deepEqual(
      seed.users.map((u) => [u.sipUri, u.contacts]),
      [
        ['sip:alice@contoso.com', ['sip:bob@contoso.com']],
        ['sip:bob@contoso.com', ['sip:alice@contoso.com']],
      ],
    );
  });

  void test('treats a missing contact list as empty', () => {
    const seed = parseSeed(rawSeed(rawUser('alice', { contacts: undefined })));

    assert.deepEqual(seed.users[0]?.contacts, []);
  });

  void test('stores a precomputed password hash as given, and the password it hashes signs in', async () => {
    const passwordHash = await hashPassword('alice-pass', { logN: 4, r: 1, p: 1 });
    const seed = parseSeed(rawSeed(rawUser('alice', { passwordHash }), rawUser('bob')));
    const stored = new Map<string, DirectoryAccount>();
    const directory = {
      put: (account: DirectoryAccount) => stored.set(account.sipUri, account),
      findBySipUri: () => Promise.resolve(undefined),
      findByAccount: () => Promise.resolve(undefined),
    };
    const contacts = { add: () => Promise.resolve() };
    const seedRecords = { has: () => Promise.resolve(false), add: () => Promise.resolve() };

    await loadSeed(
      seed,
      {
        directory: directory as unknown as WritableDirectoryStore,
        contacts: contacts as unknown as ContactStore,
        seedRecords,
      },
      0,
    );

    assert.equal(stored.get('sip:alice@contoso.com')?.passwordHash, passwordHash);
    assert.ok(await verifyPassword('alice-pass', stored.get('sip:alice@contoso.com')?.passwordHash));
    assert.ok(await verifyPassword('bob-pass', stored.get('sip:bob@contoso.com')?.passwordHash));
  });

  void test('takes a user given only by a password hash: the seed need not hold the password', async () => {
    const passwordHash = await hashPassword('alice-pass', { logN: 4, r: 1, p: 1 });
    const seed = parseSeed(rawSeed(rawUser('alice', { password: undefined, passwordHash })));
    const stored = new Map<string, DirectoryAccount>();
    const directory = {
      put: (account: DirectoryAccount) => stored.set(account.sipUri, account),
      findBySipUri: () => Promise.resolve(undefined),
      findByAccount: () => Promise.resolve(undefined),
    };
    const seedRecords = { has: () => Promise.resolve(false), add: () => Promise.resolve() };

    await loadSeed(
      seed,
      {
        directory: directory as unknown as WritableDirectoryStore,
        contacts: { add: () => Promise.resolve() } as unknown as ContactStore,
        seedRecords,
      },
      0,
    );

    assert.equal(seed.users[0]?.password, undefined);
    assert.ok(await verifyPassword('alice-pass', stored.get('sip:alice@contoso.com')?.passwordHash));
  });

  void describe('refusals name the user and the field', () => {
    void test('a missing or blank password', () => {
      assertRefused(
        rawSeed(rawUser('alice'), rawUser('bob', { password: undefined })),
        /users\[1\]/,
        /"password"/,
      );
      assertRefused(rawSeed(rawUser('alice', { password: '  ' })), /users\[0\]/, /"password"/);
    });

    void test('NTLM for a user given only by a password hash: the NT hash is made from the password', () => {
      const passwordHash = 'scrypt$4$1$1$c2FsdA==$aGFzaA==';
      assertRefused(
        rawSeed(rawUser('alice', { password: undefined, passwordHash, ntlm: true })),
        /users\[0\]/,
        /"ntlm" needs "password"/,
      );
    });

    void test('a password hash that is not a stored scrypt hash', () => {
      for (const passwordHash of ['alice-pass', 'scrypt$15$8$3$salt', 'bcrypt$2b$10$abc$def', 42]) {
        assertRefused(rawSeed(rawUser('alice', { passwordHash })), /users\[0\]/, /"passwordHash"/);
      }
    });

    void test('a SIP URI that is not sip:user@domain', () => {
      for (const sipUri of ['alice@contoso.com', 'sip:alice', 'sip:al ice@contoso.com', 42]) {
        assertRefused(rawSeed(rawUser('alice', { sipUri })), /users\[0\]/, /"sipUri"/);
      }
    });

    void test('a policy flag that is not a boolean', () => {
      for (const flag of ['enabled', 'enhancedPresence', 'remoteAccess']) {
        assertRefused(
          rawSeed(rawUser('alice', { [flag]: 'yes' })),
          /users\[0\]/,
          new RegExp(`"${flag}"`),
          /boolean/,
        );
        assertRefused(
          rawSeed(rawUser('alice', { [flag]: undefined })),
          /users\[0\]/,
          new RegExp(`"${flag}"`),
        );
      }
    });

    void test('a contact who is not a user of the directory', () => {
      assertRefused(
        rawSeed(rawUser('alice', { contacts: ['sip:mallory@contoso.com'] })),
        /sip:alice@contoso\.com/,
        /contact sip:mallory@contoso\.com/,
      );
    });

    void test('contacts that are not a list of SIP URIs', () => {
      assertRefused(
        rawSeed(rawUser('alice', { contacts: 'sip:bob@contoso.com' })),
        /users\[0\]/,
        /"contacts"/,
      );
      assertRefused(rawSeed(rawUser('alice', { contacts: [42] })), /users\[0\]/, /"contacts"/);
    });

    void test('two users with the same SIP URI, whatever its case', () => {
      assertRefused(
        rawSeed(rawUser('alice'), rawUser('alice2', { sipUri: 'sip:ALICE@contoso.com' })),
        /SIP URI/i,
      );
    });

    void test('names the SIP URI two users share', () => {
      assertRefused(
        rawSeed(rawUser('alice'), rawUser('alice2', { sipUri: 'sip:alice@contoso.com' })),
        /sip:alice@contoso\.com/,
        /users\[1\]/,
      );
    });

    void test('two users with the same username', () => {
      assertRefused(
        rawSeed(rawUser('alice'), rawUser('bob', { username: 'ALICE' })),
        /users\[1\]/,
        /"username"/,
      );
    });

    void test('a users entry that is not a list or not an object', () => {
      assertRefused({ domain: 'CONTOSO', users: { alice: rawUser('alice') } }, /"users"/, /list/);
      assertRefused({ domain: 'CONTOSO' }, /"users"/);
      assertRefused(rawSeed(rawUser('alice'), null), /users\[1\]/);
    });

    void test('a missing domain', () => {
      assertRefused({ users: [rawUser('alice')] }, /"domain"/);
      assertRefused({ domain: ' ', users: [rawUser('alice')] }, /"domain"/);
      assertRefused(null, /"domain"/);
    });
  });

  void test('a seed file that is not JSON is refused with its path', async () => {
    const notJson = fileURLToPath(new URL('./seed.test.ts', import.meta.url));

    await assert.rejects(readSeedFile(notJson), (err: unknown) => {
      assert.ok(err instanceof SeedError);
      assert.match(err.message, /seed\.test\.ts is not valid JSON/);
      return true;
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { hashPassword, verifyPassword } from '../../functions/core/directory/passwords.ts';
import { DynamoDirectoryStore } from '../../functions/core/directory/store.ts';
import { UserAdmin } from '../../functions/core/directory/user-admin.ts';
import { DynamoWindowsIdentityStore } from '../../functions/core/directory/windows-identities.ts';
import { ntHash } from '../../functions/core/ntlm/md4.ts';
import type { ContactEntry, ContactStore } from '../../functions/core/realtime/contacts-store.ts';
import { EmbeddedDirectoryStore } from '../../functions/embedded/directory-store.ts';
import { EmbeddedSeedRecords } from '../../functions/embedded/seed-records.ts';
import { EmbeddedWindowsIdentityStore } from '../../functions/embedded/windows-identities.ts';
import { DynamoSeedRecords, loadSeed, parseSeed, type SeedRecords } from '../../local/seed.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';

/**
 * Contact lists for the seed to fill, kept in this file: contacts are not what it checks (their
 * stores have test/stores/contacts.test.ts); the seed records, directory and Windows identities are.
 */
class ContactLists implements ContactStore {
  private readonly lists = new Map<string, Map<string, ContactEntry>>();

  async list(owner: string): Promise<ContactEntry[]> {
    return [...(this.lists.get(owner)?.values() ?? [])];
  }

  async add(owner: string, contact: ContactEntry): Promise<void> {
    const list = this.lists.get(owner) ?? new Map<string, ContactEntry>();
    list.set(contact.sipUri, contact);
    this.lists.set(owner, list);
  }

  async remove(owner: string, contact: string): Promise<void> {
    this.lists.get(owner)?.delete(contact);
  }

  async watchers(contact: string): Promise<string[]> {
    return [...this.lists].filter(([, list]) => list.has(contact)).map(([owner]) => owner);
  }
}

function seedRecordsOf(backend: StoreBackend): SeedRecords {
  if (backend.dynamo)
    return new DynamoSeedRecords(backend.dynamo.client, backend.dynamo.localTableNames.seedRecords);
  if (!backend.embedded) throw new Error('no backend');
  return new EmbeddedSeedRecords(backend.embedded, 'seedRecords');
}

function storesOf(backend: StoreBackend, contacts: ContactStore) {
  const seedRecords = seedRecordsOf(backend);
  if (backend.dynamo) {
    const { client, tableNames } = backend.dynamo;
    return {
      directory: new DynamoDirectoryStore(client, tableNames.users, tableNames.directorySearch),
      windowsIdentities: new DynamoWindowsIdentityStore(client, tableNames.windowsIdentities),
      contacts,
      seedRecords,
    };
  }
  if (!backend.embedded) throw new Error('no backend');
  return {
    directory: new EmbeddedDirectoryStore(backend.embedded, 'users', 'directorySearch'),
    windowsIdentities: new EmbeddedWindowsIdentityStore(backend.embedded, 'windowsIdentities'),
    contacts,
    seedRecords,
  };
}

/** Deletes a user past the product (an operator's hand in the table); embedded: while it is stopped. */
async function deleteUserBehindTheProduct(backend: StoreBackend, sipUri: string): Promise<void> {
  if (backend.dynamo) {
    await backend.dynamo.client.send(
      new DeleteCommand({ TableName: backend.dynamo.tableNames.users, Key: { sipUri } }),
    );
    return;
  }
  const restart = backend.restart;
  assert.ok(restart);
  const db = await restart();
  await db.table('users').remove(sipUri);
}

/** A cheap hash, so the test does not spend seconds in scrypt. */
const cheapHash = (password: string) => hashPassword(password, { logN: 4, r: 1, p: 1 });

const user = async (name: string, extra: Record<string, unknown> = {}) => ({
  username: name,
  password: `${name}-seed-pass`,
  passwordHash: await cheapHash(`${name}-seed-pass`),
  sipUri: `sip:${name}@contoso.com`,
  displayName: `${name} Seeded`,
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
  contacts: [] as string[],
  ...extra,
});

for (const impl of implementations) {
  describe(`the seed records (${impl.name})`, () => {
    const backend = useBackend(impl);
    const contacts = new ContactLists();
    const stores = () => storesOf(backend, contacts);
    const contactsOf = async (owner: string) =>
      (await contacts.list(owner)).map((c) => `${c.sipUri}${c.group ? ` [${c.group}]` : ''}`).sort();

    it('remember each user the seed added, by SIP URI', async () => {
      const records = seedRecordsOf(backend);

      assert.equal(await records.has('sip:zed@contoso.com'), false);
      await records.add('sip:zed@contoso.com', 1);
      await records.add('sip:zed@contoso.com', 2);

      assert.equal(await records.has('sip:zed@contoso.com'), true);
      assert.equal(await records.has('sip:zed@contoso.co'), false);
    });

    it('let the seed fill an empty store, then never overwrite what administrators and users changed', async () => {
      const s = stores();
      const seed = parseSeed({
        domain: 'CONTOSO',
        users: [
          await user('alice', {
            kerberosPrincipal: 'alice@EXAMPLE.TEST',
            ntlm: true,
            contacts: ['sip:bob@contoso.com', 'sip:carol@contoso.com'],
          }),
          await user('bob', { contacts: ['sip:alice@contoso.com'] }),
          await user('carol'),
        ],
      });
      const first = await loadSeed(seed, s, 1);
      assert.deepEqual([...first.added].sort(), [
        'sip:alice@contoso.com',
        'sip:bob@contoso.com',
        'sip:carol@contoso.com',
      ]);
      assert.deepEqual(await contactsOf('sip:alice@contoso.com'), [
        'sip:bob@contoso.com',
        'sip:carol@contoso.com',
      ]);
      assert.equal(await s.windowsIdentities.findKerberos('alice@EXAMPLE.TEST'), 'sip:alice@contoso.com');
      assert.ok(await s.windowsIdentities.findNtlm('CONTOSO', 'alice'));

      // What an administrator and the users change afterwards.
      const admin = new UserAdmin({ ...s, hash: cheapHash });
      await admin.apply('CONTOSO', [{ username: 'bob', enabled: false }], 'set');
      await admin.apply('CONTOSO', [{ username: 'carol', password: 'carol-admin-pass' }], 'set');
      await admin.apply('CONTOSO', [{ username: 'alice', ntlm: false }], 'set');
      await s.windowsIdentities.putKerberos('alice@EXAMPLE.TEST', 'sip:carol@contoso.com');
      await s.contacts.remove('sip:alice@contoso.com', 'sip:carol@contoso.com');
      await s.contacts.add(
        'sip:alice@contoso.com',
        {
          sipUri: 'sip:bob@contoso.com',
          displayName: 'B',
          group: 'Team',
        },
        2,
      );

      const second = await loadSeed(seed, s, 3);

      assert.deepEqual(second.added, []);
      assert.equal((await s.directory.findBySipUri('sip:bob@contoso.com'))?.enabled, false);
      const carol = await s.directory.findByAccount('CONTOSO', 'carol');
      assert.ok(await verifyPassword('carol-admin-pass', carol?.passwordHash));
      assert.equal(await verifyPassword('carol-seed-pass', carol?.passwordHash), false);
      assert.equal(await s.windowsIdentities.findNtlm('CONTOSO', 'alice'), undefined);
      assert.equal(await s.windowsIdentities.findKerberos('alice@EXAMPLE.TEST'), 'sip:carol@contoso.com');
      assert.deepEqual(await contactsOf('sip:alice@contoso.com'), ['sip:bob@contoso.com [Team]']);
    });

    it('let the seed add a user it never added before, and never one it added once', async () => {
      const seed = parseSeed({
        domain: 'CONTOSO',
        users: [
          await user('alice', { contacts: ['sip:bob@contoso.com', 'sip:dana@contoso.com'] }),
          await user('bob'),
          await user('carol'),
          await user('dana', { ntlm: true, contacts: ['sip:alice@contoso.com'] }),
        ],
      });
      // carol was added by an earlier start, then removed from the store behind the product's back.
      await deleteUserBehindTheProduct(backend, 'sip:carol@contoso.com');
      const s = stores();

      const outcome = await loadSeed(seed, s, 4);

      assert.deepEqual(outcome.added, ['sip:dana@contoso.com']);
      assert.equal(await s.directory.findBySipUri('sip:carol@contoso.com'), undefined);
      assert.equal((await s.directory.findByAccount('CONTOSO', 'dana'))?.displayName, 'dana Seeded');
      assert.deepEqual(
        (await s.windowsIdentities.findNtlm('CONTOSO', 'dana'))?.ntHash,
        ntHash('dana-seed-pass'),
      );
      assert.deepEqual(await contactsOf('sip:dana@contoso.com'), ['sip:alice@contoso.com']);
      // alice's list is hers: the seed's new contact for her is not forced onto it.
      assert.deepEqual(await contactsOf('sip:alice@contoso.com'), ['sip:bob@contoso.com [Team]']);
    });

    it('let the seed leave alone a user whose name an administrator already gave someone', async () => {
      const s = stores();
      await new UserAdmin({ ...s, hash: cheapHash }).apply(
        'CONTOSO',
        [
          {
            username: 'erin',
            sipUri: 'sip:erin.admin@contoso.com',
            displayName: 'Erin Admin',
            password: 'erin-pass',
          },
        ],
        'add',
      );
      const seed = parseSeed({ domain: 'CONTOSO', users: [await user('erin')] });

      const outcome = await loadSeed(seed, s, 5);

      assert.deepEqual(outcome, { added: [], kept: ['sip:erin@contoso.com'] });
      assert.equal(await s.directory.findBySipUri('sip:erin@contoso.com'), undefined);
      assert.equal((await s.directory.findByAccount('CONTOSO', 'erin'))?.displayName, 'Erin Admin');
    });

    if (impl.name === 'embedded') {
      it('are kept across a restart: a user the seed added once is never added again', async () => {
        const seed = parseSeed({ domain: 'CONTOSO', users: [await user('frida')] });
        assert.deepEqual((await loadSeed(seed, stores(), 6)).added, ['sip:frida@contoso.com']);
        await deleteUserBehindTheProduct(backend, 'sip:frida@contoso.com');

        const outcome = await loadSeed(seed, stores(), 7);

        assert.deepEqual(outcome, { added: [], kept: ['sip:frida@contoso.com'] });
        assert.equal(await seedRecordsOf(backend).has('sip:frida@contoso.com'), true);
        assert.equal(await stores().directory.findBySipUri('sip:frida@contoso.com'), undefined);
      });
    }
  });
}

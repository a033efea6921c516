import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { hashPassword, verifyPassword } from '../../functions/core/directory/passwords.ts';
import { DynamoDirectoryStore } from '../../functions/core/directory/store.ts';
import { UserAdmin } from '../../functions/core/directory/user-admin.ts';
import { DynamoWindowsIdentityStore } from '../../functions/core/directory/windows-identities.ts';
import { ntHash } from '../../functions/core/ntlm/md4.ts';
import { DynamoContactStore } from '../../functions/core/realtime/contacts-store.ts';
import { DynamoSeedRecords, loadSeed, parseSeed, type SeedStores } from '../../local/seed.ts';
import { useLocalDynamo } from './support/local-dynamo.ts';

const fixture = useLocalDynamo('seed-store');

const stores = (): SeedStores & {
  directory: DynamoDirectoryStore;
  contacts: DynamoContactStore;
  windowsIdentities: DynamoWindowsIdentityStore;
} => {
  const { db, dynamo } = fixture;
  return {
    directory: new DynamoDirectoryStore(db, dynamo.tableNames.users, dynamo.tableNames.directorySearch),
    contacts: new DynamoContactStore(db, dynamo.tableNames.contacts),
    windowsIdentities: new DynamoWindowsIdentityStore(db, dynamo.tableNames.windowsIdentities),
    seedRecords: new DynamoSeedRecords(db, dynamo.localTableNames.seedRecords),
  };
};

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

const contactsOf = async (owner: string) =>
  (await stores().contacts.list(owner)).map((c) => `${c.sipUri}${c.group ? ` [${c.group}]` : ''}`).sort();

describe('the directory seed over a store that already has users', () => {
  it('fills an empty store, then never overwrites what administrators and users changed', async () => {
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
      { sipUri: 'sip:bob@contoso.com', displayName: 'B', group: 'Team' },
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

  it('adds a user it never added before, with its contacts, and never one it added once', async () => {
    const s = stores();
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
    await fixture.db.send(
      new DeleteCommand({
        TableName: fixture.dynamo.tableNames.users,
        Key: { sipUri: 'sip:carol@contoso.com' },
      }),
    );

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

  it('leaves alone a seed user whose name an administrator already gave someone', async () => {
    const s = stores();
    await new UserAdmin({ ...s, hash: cheapHash }).apply(
      'CONTOSO',
      [
        {
          username: 'erin',
          sipUri: 'sip:erin.admin@contoso.com',
          displayName: 'Erin Admin',
          password: 'erin-admin-pass',
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
});

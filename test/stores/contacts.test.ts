import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DynamoContactStore, type ContactStore } from '../../functions/core/realtime/contacts-store.ts';
import { EmbeddedContactStore } from '../../functions/embedded/contact-store.ts';
import { openEmbeddedDatabase } from '../../functions/embedded/database.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';
import { writeThenKill } from './support/killed-writer.ts';

/** The contact store's contract, run against DynamoDB (dynalite) and the embedded store (LMDB). */

const start = Date.UTC(2025, 0, 6, 9, 0, 0);
/** A fresh user of the shared backend, named so that users made in one test sort in the order made. */
const usersOf = (count: number): string[] => {
  const run = randomUUID();
  return Array.from({ length: count }, (_, i) => `sip:${String.fromCharCode(97 + i)}-${run}@contoso.com`);
};

function storeOf(backend: StoreBackend): ContactStore {
  if (backend.dynamo)
    return new DynamoContactStore(backend.dynamo.client, backend.dynamo.tableNames.contacts);
  return new EmbeddedContactStore(backend.embedded!);
}

for (const impl of implementations) {
  describe(`contacts (${impl.name})`, () => {
    const backend = useBackend(impl);
    const store = () => storeOf(backend);

    it('lists the entries on a contact list by contact, with a group only when there is one', async () => {
      const contacts = store();
      const [owner, alice, bob, carol] = usersOf(4) as [string, string, string, string];
      await contacts.add(owner, { sipUri: carol, displayName: 'Carol', group: 'Team' }, start);
      await contacts.add(owner, { sipUri: alice, displayName: 'Alice' }, start);
      await contacts.add(owner, { sipUri: bob, displayName: 'Bob', group: '' }, start);

      assert.deepEqual(await contacts.list(owner), [
        { sipUri: alice, displayName: 'Alice' },
        { sipUri: bob, displayName: 'Bob' },
        { sipUri: carol, displayName: 'Carol', group: 'Team' },
      ]);
      assert.deepEqual(await contacts.list(usersOf(1)[0] as string), []);
    });

    it('keeps one entry per contact: adding again replaces its name and group', async () => {
      const contacts = store();
      const [owner, alice] = usersOf(2) as [string, string];
      await contacts.add(owner, { sipUri: alice, displayName: 'Alice', group: 'Team' }, start);

      await contacts.add(owner, { sipUri: alice, displayName: 'Alice Ahn' }, start + 1);

      assert.deepEqual(await contacts.list(owner), [{ sipUri: alice, displayName: 'Alice Ahn' }]);
      assert.deepEqual(await contacts.watchers(alice), [owner]);
    });

    it('answers who watches a user, in owner order, and only while the user is on their list', async () => {
      const contacts = store();
      const [first, second, third, alice] = usersOf(4) as [string, string, string, string];
      for (const owner of [third, first, second]) {
        await contacts.add(owner, { sipUri: alice, displayName: 'Alice' }, start);
      }

      const watching = await contacts.watchers(alice);
      await contacts.remove(second, alice);

      assert.deepEqual(watching, [first, second, third]);
      assert.deepEqual(await contacts.watchers(alice), [first, third]);
      assert.deepEqual(await contacts.list(second), []);
      assert.deepEqual(await contacts.watchers(usersOf(1)[0] as string), []);
    });

    it('removes only the named entry, and removing an absent one changes nothing', async () => {
      const contacts = store();
      const [owner, alice, bob] = usersOf(3) as [string, string, string];
      await contacts.add(owner, { sipUri: alice, displayName: 'Alice' }, start);
      await contacts.add(owner, { sipUri: bob, displayName: 'Bob' }, start);

      await contacts.remove(owner, alice);
      await contacts.remove(owner, alice);
      await contacts.remove(bob, owner);

      assert.deepEqual(await contacts.list(owner), [{ sipUri: bob, displayName: 'Bob' }]);
      assert.deepEqual(await contacts.watchers(bob), [owner]);
    });

    it('keeps an owner apart from another whose address begins the same', async () => {
      const contacts = store();
      const [alice] = usersOf(1) as [string];
      const owner = `sip:o-${randomUUID()}@contoso.com`;
      const longer = `${owner}.uk`;
      await contacts.add(owner, { sipUri: alice, displayName: 'Alice' }, start);
      await contacts.add(longer, { sipUri: `${alice}.uk`, displayName: 'Alice UK' }, start);

      assert.deepEqual(await contacts.list(owner), [{ sipUri: alice, displayName: 'Alice' }]);
    });

    it('hands out lists a caller cannot change the stored ones through', async () => {
      const contacts = store();
      const [owner, alice] = usersOf(2) as [string, string];
      await contacts.add(owner, { sipUri: alice, displayName: 'Alice' }, start);

      (await contacts.watchers(alice)).push('sip:mallory@contoso.com');
      const [entry] = (await contacts.list(owner)) as { displayName: string }[];
      if (entry) entry.displayName = 'Mallory';

      assert.deepEqual(await contacts.watchers(alice), [owner]);
      assert.deepEqual(await contacts.list(owner), [{ sipUri: alice, displayName: 'Alice' }]);
    });

    if (impl.name === 'embedded') {
      it('keeps contact lists and who watches whom across a restart', async () => {
        const contacts = store();
        const [owner, alice, bob] = usersOf(3) as [string, string, string];
        await contacts.add(owner, { sipUri: alice, displayName: 'Alice', group: 'Team' }, start);
        await contacts.add(owner, { sipUri: bob, displayName: 'Bob' }, start);
        await contacts.add(bob, { sipUri: alice, displayName: 'Alice' }, start);
        await contacts.remove(owner, bob);

        const restarted = new EmbeddedContactStore(await backend.restart!());

        assert.deepEqual(await restarted.list(owner), [
          { sipUri: alice, displayName: 'Alice', group: 'Team' },
        ]);
        assert.deepEqual(await restarted.watchers(alice), [owner, bob].sort());
        assert.deepEqual(await restarted.watchers(bob), []);
      });

      it('keeps every acknowledged change when the process is killed (kill -9) right after', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'cwa-stores-killed-'));
        try {
          const id = `k-${randomUUID()}`;
          const owner = `sip:${id}@contoso.com`;
          const before = openEmbeddedDatabase(dir);
          await new EmbeddedContactStore(before).add(
            owner,
            { sipUri: 'sip:bob@contoso.com', displayName: 'Bob' },
            start,
          );
          await before.close();

          await writeThenKill(dir, 'contacts', id);

          const after = openEmbeddedDatabase(dir);
          try {
            const contacts = new EmbeddedContactStore(after);
            assert.deepEqual(await contacts.list(owner), [
              { sipUri: 'sip:alice@contoso.com', displayName: 'Alice' },
            ]);
            assert.deepEqual(await contacts.watchers('sip:alice@contoso.com'), [owner]);
            assert.deepEqual(await contacts.watchers('sip:bob@contoso.com'), []);
          } finally {
            await after.close();
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('shows an addition to readers at once, before its commit has landed', async () => {
        const contacts = store();
        const [owner, alice] = usersOf(2) as [string, string];

        const adding = contacts.add(owner, { sipUri: alice, displayName: 'Alice' }, start);
        const seen = [await contacts.list(owner), await contacts.watchers(alice)];
        await adding;

        assert.deepEqual(seen, [[{ sipUri: alice, displayName: 'Alice' }], [owner]]);
      });
    }
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword } from '../../functions/core/directory/passwords.ts';
import { DynamoDirectoryStore, type DirectoryAccount } from '../../functions/core/directory/store.ts';
import type { WritableDirectoryStore } from '../../functions/core/directory/directory.ts';
import { EmbeddedDirectoryStore } from '../../functions/embedded/directory-store.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';

/** A cheap hash, so the tests do not spend seconds in scrypt. */
const cheapHash = (password: string) => hashPassword(password, { logN: 4, r: 1, p: 1 });

const person = (
  username: string,
  displayName: string,
  extra: Partial<DirectoryAccount> = {},
): DirectoryAccount => ({
  sipUri: `sip:${username}@contoso.com`,
  domain: 'CONTOSO',
  username,
  displayName,
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
  ...extra,
});

/** The built-in directory over `backend`; `searchable: false` is a store without the search table. */
function directoryOf(backend: StoreBackend, searchable = true): WritableDirectoryStore {
  if (backend.dynamo) {
    const { client, tableNames } = backend.dynamo;
    return new DynamoDirectoryStore(
      client,
      tableNames.users,
      searchable ? tableNames.directorySearch : undefined,
    );
  }
  if (!backend.embedded) throw new Error('no backend');
  return new EmbeddedDirectoryStore(backend.embedded, 'users', searchable ? 'directorySearch' : undefined);
}

const uris = (entries: readonly { sipUri: string }[]) => entries.map((e) => e.sipUri);

async function putAll(directory: WritableDirectoryStore, accounts: readonly DirectoryAccount[]) {
  for (const account of accounts) await directory.put(account);
}

for (const impl of implementations) {
  describe(`the built-in directory store (${impl.name})`, () => {
    const backend = useBackend(impl);
    const directory = (searchable = true) => directoryOf(backend, searchable);

    it('finds a user by SIP URI in any case, without the password hash', async () => {
      const store = directory();
      await store.put(
        person('amber', 'Amber Adams', {
          passwordHash: await cheapHash('amber-pass'),
          twoFactorRequired: true,
        }),
      );

      const found = await store.findBySipUri('  SIP:Amber@Contoso.COM ');

      assert.deepEqual(found, {
        sipUri: 'sip:amber@contoso.com',
        domain: 'CONTOSO',
        username: 'amber',
        displayName: 'Amber Adams',
        enabled: true,
        enhancedPresence: true,
        remoteAccess: true,
        twoFactorRequired: true,
      });
      assert.equal(await store.findBySipUri('sip:nobody@contoso.com'), undefined);
    });

    it('keeps SIP URIs in lower case and answers only the fields a user has', async () => {
      const store = directory();
      await store.put({
        ...person('Basil', 'Basil Brown'),
        sipUri: ' SIP:Basil@Contoso.com',
        enabled: false,
      });

      const [listed] = (await arrayOf(store.list())).filter((a) => a.username === 'Basil');

      assert.deepEqual(listed, {
        sipUri: 'sip:basil@contoso.com',
        domain: 'CONTOSO',
        username: 'Basil',
        displayName: 'Basil Brown',
        enabled: false,
        enhancedPresence: true,
        remoteAccess: true,
      });
    });

    it('finds an account by DOMAIN\\username without regard to case, with its password hash', async () => {
      const store = directory();
      const passwordHash = await cheapHash('cedric-pass');
      await store.put(person('Cedric', 'Cedric Cole', { passwordHash }));

      const found = await store.findByAccount('contoso', 'CEDRIC');

      assert.equal(found?.sipUri, 'sip:cedric@contoso.com');
      assert.equal(found?.passwordHash, passwordHash);
      assert.equal(await store.findByAccount('FABRIKAM', 'cedric'), undefined);
    });

    it('authenticates the right password only, answering the user without the hash', async () => {
      const store = directory();
      await store.put(person('dara', 'Dara Dunn', { passwordHash: await cheapHash('dara-pass') }));

      const user = await store.authenticate('CONTOSO', 'Dara', 'dara-pass');

      assert.equal(user?.sipUri, 'sip:dara@contoso.com');
      assert.equal('passwordHash' in (user ?? {}), false);
      assert.equal(await store.authenticate('CONTOSO', 'dara', 'wrong'), undefined);
      assert.equal(await store.authenticate('CONTOSO', 'nobody', 'dara-pass'), undefined);
    });

    it('finds many users at once, each once, leaving unknown ones out', async () => {
      const store = directory();
      await putAll(store, [person('eve', 'Eve East'), person('finn', 'Finn Fox')]);

      const found = await store.findManyBySipUri([
        'sip:eve@contoso.com',
        'SIP:EVE@contoso.com',
        'sip:finn@contoso.com',
        'sip:ghost@contoso.com',
      ]);

      assert.deepEqual(uris(found).sort(), ['sip:eve@contoso.com', 'sip:finn@contoso.com']);
      assert.ok(found.every((u) => !('passwordHash' in u)));
      assert.deepEqual(await store.findManyBySipUri([]), []);
    });

    it('replaces a user on put, under the same SIP URI and the new account name', async () => {
      const store = directory();
      await store.put(person('gale', 'Gale Green', { passwordHash: await cheapHash('old') }));

      await store.put(person('gale', 'Gale Grey', { username: 'gale.grey', remoteAccess: false }));

      const found = await store.findBySipUri('sip:gale@contoso.com');
      assert.equal(found?.displayName, 'Gale Grey');
      assert.equal(found?.remoteAccess, false);
      assert.equal((await store.findByAccount('CONTOSO', 'gale.grey'))?.passwordHash, undefined);
    });

    it('lists every account with its password hash', async () => {
      const store = directory();
      const passwordHash = await cheapHash('hal-pass');
      await store.put(person('hal', 'Hal Hill', { passwordHash }));

      const listed = await arrayOf(store.list());

      assert.equal(listed.find((a) => a.sipUri === 'sip:hal@contoso.com')?.passwordHash, passwordHash);
      assert.equal(new Set(uris(listed)).size, listed.length);
    });

    it('shows a write through one store to another store over the same table at once', async () => {
      const writer = directory();
      const reader = directory();
      await writer.put(person('ivo', 'Ivo Ivanov'));

      assert.equal((await reader.findBySipUri('sip:ivo@contoso.com'))?.displayName, 'Ivo Ivanov');
      assert.deepEqual(uris(await reader.search('ivanov', 5)), ['sip:ivo@contoso.com']);
    });

    describe('search', () => {
      it('finds people by the start of any word of their name or SIP URI, showing only name and SIP URI', async () => {
        const store = directory();
        await putAll(store, [
          person('jobar', 'Jonas Barros', { passwordHash: await cheapHash('x') }),
          person('jolene', 'Jolene Carrow'),
        ]);

        assert.deepEqual(await store.search('barr', 10), [
          { sipUri: 'sip:jobar@contoso.com', displayName: 'Jonas Barros' },
        ]);
        assert.deepEqual(uris(await store.search('CARROW', 10)), ['sip:jolene@contoso.com']);
        assert.deepEqual(uris(await store.search('jobar@contoso.com', 10)), ['sip:jobar@contoso.com']);
        assert.deepEqual(uris(await store.search('sip:jolene@contoso', 10)), ['sip:jolene@contoso.com']);
        assert.deepEqual(uris(await store.search('jo', 10)), [
          'sip:jolene@contoso.com',
          'sip:jobar@contoso.com',
        ]);
      });

      it('matches names without regard to accents and by several words', async () => {
        const store = directory();
        await putAll(store, [person('zoe', 'Zoë Quinn'), person('quentin', 'Quentin Blake')]);

        assert.deepEqual(uris(await store.search('zoe', 10)), ['sip:zoe@contoso.com']);
        assert.deepEqual(uris(await store.search('Quinn Zo', 10)), ['sip:zoe@contoso.com']);
        assert.deepEqual(uris(await store.search('qu', 10)), [
          'sip:quentin@contoso.com',
          'sip:zoe@contoso.com',
        ]);
        assert.deepEqual(uris(await store.search('zoe blake', 10)), []);
      });

      it('never shows people who may not use the service', async () => {
        const store = directory();
        await putAll(store, [
          person('kai', 'Kai Kestrel', { enhancedPresence: false }),
          person('kit', 'Kit Kestrel', { enabled: false }),
          person('kim', 'Kim Kestrel', { remoteAccess: false }),
        ]);

        assert.deepEqual(uris(await store.search('kestrel', 10)), ['sip:kim@contoso.com']);
      });

      it('answers at most `limit` people, sorted by name', async () => {
        const store = directory();
        await putAll(
          store,
          Array.from({ length: 23 }, (_, i) =>
            person(`sam${i + 1}`, `Sam Sample ${String(i + 1).padStart(2, '0')}`),
          ),
        );

        const found = uris(await store.search('sam', 21));

        assert.equal(found.length, 21);
        assert.equal(found[0], 'sip:sam1@contoso.com');
        assert.equal(found[20], 'sip:sam21@contoso.com');
        assert.deepEqual(uris(await store.search('sample 07', 21)), ['sip:sam7@contoso.com']);
      });

      it('stops finding a user the directory disables or renames', async () => {
        const store = directory();
        const lena = person('lena', 'Lena Lindqvist');
        await store.put(lena);
        assert.deepEqual(uris(await store.search('lindqvist', 5)), ['sip:lena@contoso.com']);

        await store.put({ ...lena, displayName: 'Lena Rivera' });
        assert.deepEqual(uris(await store.search('lindqvist', 5)), []);
        assert.deepEqual(uris(await store.search('rivera', 5)), ['sip:lena@contoso.com']);

        // A change written by a store without the search table still hides the user at once.
        await directory(false).put({ ...lena, displayName: 'Lena Rivera', enabled: false });
        assert.deepEqual(uris(await store.search('rivera', 5)), []);
      });

      it('answers nobody for a first word under two characters, a limit of 0, or without the search table', async () => {
        const store = directory();
        await store.put(person('max', 'Max Mustermann'));

        assert.deepEqual(await store.search('m', 5), []);
        assert.deepEqual(await store.search('  ', 5), []);
        assert.deepEqual(await store.search('mustermann', 0), []);
        assert.deepEqual(await directory(false).search('mustermann', 5), []);
        assert.deepEqual(uris(await store.search('mustermann', 5)), ['sip:max@contoso.com']);
      });

      it('reads a bounded number of index entries: a very common first word finds only among the first 200', async () => {
        const store = directory();
        // 205 people whose first index entries (`nox#sip:…`) all fall under the query's first word.
        await putAll(
          store,
          Array.from({ length: 205 }, (_, i) => {
            const n = String(i + 1).padStart(3, '0');
            return person(`nox${n}`, `Nox Person${n}`);
          }),
        );

        assert.deepEqual(uris(await store.search('nox person001', 5)), ['sip:nox001@contoso.com']);
        assert.deepEqual(uris(await store.search('nox person200', 5)), ['sip:nox200@contoso.com']);
        assert.deepEqual(uris(await store.search('nox person201', 5)), []);
        assert.deepEqual(uris(await store.search('person201', 5)), ['sip:nox201@contoso.com']);
        assert.deepEqual(uris(await store.search('nox', 3)), [
          'sip:nox001@contoso.com',
          'sip:nox002@contoso.com',
          'sip:nox003@contoso.com',
        ]);
      });
    });

    if (impl.name === 'embedded') {
      it('keeps users, account names and the search index across a restart', async () => {
        const passwordHash = await cheapHash('olga-pass');
        await directory().put(person('olga', 'Olga Ostrova', { passwordHash }));
        await directory().put(person('olga', 'Olga Ostrova-Petrova', { passwordHash }));

        const restart = backend.restart;
        assert.ok(restart);
        await restart();
        const store = directory();

        assert.equal((await store.findBySipUri('sip:olga@contoso.com'))?.displayName, 'Olga Ostrova-Petrova');
        assert.equal((await store.findByAccount('CONTOSO', 'OLGA'))?.passwordHash, passwordHash);
        assert.equal((await store.authenticate('CONTOSO', 'olga', 'olga-pass'))?.username, 'olga');
        assert.deepEqual(uris(await store.search('petrova', 5)), ['sip:olga@contoso.com']);
        assert.ok(uris(await arrayOf(store.list())).includes('sip:olga@contoso.com'));
        // What was there before the restart is there too.
        assert.equal((await store.findBySipUri('sip:amber@contoso.com'))?.displayName, 'Amber Adams');
      });
    }
  });
}

async function arrayOf<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import { connectionTtlSeconds } from '../../functions/core/realtime/connections.ts';
import {
  DynamoPresenceScan,
  type ListedConnections,
  type PresenceScan,
} from '../../functions/core/realtime/presence-scan.ts';
import {
  DynamoPresenceStore,
  type LiveConnection,
  type PresenceChange,
  type PresenceStore,
} from '../../functions/core/realtime/presence-store.ts';
import { EmbeddedPresenceStore } from '../../functions/embedded/presence-store.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';

/** The presence store's contract, run against DynamoDB (dynalite) and the embedded store (memory). */

const start = Date.UTC(2025, 0, 6, 9, 0, 0);
const userOf = () => `sip:u-${randomUUID()}@contoso.com`;
const connectionOf = (connectionId: string, connectedAt = start): LiveConnection => ({
  connectionId,
  endpoint: 'https://ws.example.test/live',
  ticketId: `t-${connectionId}`,
  connectedAt,
});
const idsOf = (connections: readonly LiveConnection[] | undefined) =>
  (connections ?? []).map((c) => c.connectionId).sort();
const wentOffline = ({ before, after }: PresenceChange) => before?.online === true && !after.online;

/** The store and its scan on a clock the test moves. */
function storesOf(backend: StoreBackend) {
  const clock = frozenClock(start);
  if (backend.dynamo) {
    const { client, tableNames } = backend.dynamo;
    const store: PresenceStore = new DynamoPresenceStore(client, tableNames.presence, clock);
    const scan: PresenceScan = new DynamoPresenceScan(client, tableNames.presence);
    return { clock, store, scan };
  }
  const embedded = new EmbeddedPresenceStore(clock);
  return { clock, store: embedded as PresenceStore, scan: embedded as PresenceScan };
}

for (const impl of implementations) {
  describe(`presence (${impl.name})`, () => {
    const backend = useBackend(impl);
    // One store per describe: the embedded one keeps its rows in the instance.
    let cached: ReturnType<typeof storesOf> | undefined;
    const stores = () => (cached ??= storesOf(backend));

    it('has no row for a user it never heard of, and answers only the rows it has', async () => {
      const { store } = stores();
      const [alice, nobody] = [userOf(), userOf()];
      await store.choose(alice, 'busy', 'in a meeting', start);

      const many = await store.getMany([alice, nobody, alice]);

      assert.equal(await store.get(nobody), undefined);
      assert.deepEqual([...many.keys()], [alice]);
      assert.equal(many.get(alice)?.availability, 'busy');
    });

    it('answers the row before and after a chosen availability and note, keeping the connections', async () => {
      const { store } = stores();
      const alice = userOf();
      const first = await store.choose(alice, 'busy', 'in a meeting', start);
      await store.addConnection(alice, connectionOf('c1='), start + 1);

      const second = await store.choose(alice, 'away', '', start + 2);

      assert.equal(first.before, undefined);
      assert.deepEqual(first.after, {
        sipUri: alice,
        availability: 'busy',
        note: 'in a meeting',
        online: false,
        updatedAt: start,
        connections: [],
      });
      assert.equal(second.before?.availability, 'busy');
      assert.deepEqual(second.after, {
        sipUri: alice,
        availability: 'away',
        note: '',
        online: true,
        updatedAt: start + 2,
        connections: [connectionOf('c1=')],
      });
      assert.deepEqual(await store.get(alice), second.after);
    });

    it('shows a user online from their first connection, available with no note until they choose', async () => {
      const { store } = stores();
      const alice = userOf();

      const change = await store.addConnection(alice, connectionOf('c1='), start);

      assert.equal(change.before, undefined);
      assert.deepEqual(change.after, {
        sipUri: alice,
        availability: 'available',
        note: '',
        online: true,
        updatedAt: start,
        connections: [connectionOf('c1=')],
      });
      assert.deepEqual(await store.get(alice), change.after);
    });

    it('marks a user offline only when their last connection goes, and a repeated removal changes nothing', async () => {
      const { store } = stores();
      const alice = userOf();
      await store.addConnection(alice, connectionOf('c1='), start);
      await store.addConnection(alice, connectionOf('c2='), start);

      const first = await store.removeConnection(alice, connectionOf('c1='), start + 1);
      const last = await store.removeConnection(alice, connectionOf('c2='), start + 2);
      const again = await store.removeConnection(alice, connectionOf('c2='), start + 3);

      assert.deepEqual([first, last, again].map(wentOffline), [false, true, false]);
      assert.deepEqual(idsOf(first.after.connections), ['c2=']);
      assert.equal((await store.get(alice))?.online, false);
    });

    it('lets exactly one of two writers removing the last connection see the user go offline', async () => {
      const { store } = stores();
      const alice = userOf();
      await store.addConnection(alice, connectionOf('c1='), start);

      const changes = await Promise.all([
        store.removeConnection(alice, connectionOf('c1='), start + 1),
        store.removeConnectionById(alice, 'c1=', start + 1),
      ]);

      assert.equal(changes.filter(wentOffline).length, 1);
    });

    it('keeps a user online when a connection arrives while their last one leaves (a reload)', async () => {
      const { store } = stores();
      const alice = userOf();
      let current = connectionOf('c0=');
      await store.addConnection(alice, current, start);

      for (let round = 1; round <= 6; round++) {
        const leaving = current;
        current = connectionOf(`c${round}=`);
        const [opened] = await Promise.all([
          store.addConnection(alice, current, start + round),
          store.removeConnection(alice, leaving, start + round),
        ]);
        assert.ok(opened.after.online, `round ${round}`);
        assert.deepEqual(
          idsOf((await store.get(alice))?.connections),
          [current.connectionId],
          `round ${round}`,
        );
      }
    });

    it('forgets a connection known only by its id, and writes nothing for an unknown one', async () => {
      const { store } = stores();
      const [alice, nobody] = [userOf(), userOf()];
      await store.addConnection(alice, connectionOf('c1='), start);
      await store.addConnection(alice, connectionOf('c2='), start);

      const removed = await store.removeConnectionById(alice, 'c1=', start + 1);
      const unknown = await store.removeConnectionById(alice, 'c9=', start + 2);
      const stranger = await store.removeConnectionById(nobody, 'c1=', start + 3);

      assert.deepEqual(idsOf(removed.before?.connections), ['c1=', 'c2=']);
      assert.deepEqual(idsOf(removed.after.connections), ['c2=']);
      assert.deepEqual(unknown.before, unknown.after);
      assert.equal(unknown.after.updatedAt, start + 1, 'not written');
      assert.equal(stranger.before, undefined);
      assert.equal(stranger.after.online, false);
      assert.equal(await store.get(nobody), undefined, 'no row made');
    });

    it('ignores a connection older than any can live, and drops it at the next connect', async () => {
      const { store, scan, clock } = stores();
      const alice = userOf();
      await store.addConnection(alice, connectionOf('lost=', clock.now()), clock.now());
      clock.advance(connectionTtlSeconds * 1000 + 60_000);

      const stale = await store.get(alice);
      const listedBefore = await listed(scan, alice);
      await store.addConnection(alice, connectionOf('new=', clock.now()), clock.now());
      const listedAfter = await listed(scan, alice);
      const current = await store.get(alice);
      // The clock is the describe's: back to the start for the tests after this one.
      clock.advance(-(connectionTtlSeconds * 1000 + 60_000));

      assert.equal(stale?.online, false);
      assert.deepEqual(stale?.connections, []);
      assert.deepEqual(idsOf(listedBefore?.connections), ['lost='], 'the scan still shows it, for the sweep');
      assert.deepEqual(idsOf(listedAfter?.connections), ['new=']);
      assert.deepEqual(idsOf(current?.connections), ['new=']);
    });

    it('hands out records a caller cannot change the stored row through', async () => {
      const { store } = stores();
      const alice = userOf();
      await store.choose(alice, 'busy', '', start);

      const read = (await store.get(alice)) as { availability: string };
      try {
        read.availability = 'away';
      } catch {
        // A frozen record refuses the change: as good.
      }

      assert.equal((await store.get(alice))?.availability, 'busy');
    });

    it('walks the rows that list connections a bounded page at a time, and skips the others', async () => {
      const { store, scan } = stores();
      const online = [userOf(), userOf(), userOf()];
      const offline = [userOf(), userOf()];
      for (const [i, sipUri] of online.entries())
        await store.addConnection(sipUri, connectionOf(`c${i}=`), start);
      for (const sipUri of offline) await store.choose(sipUri, 'away', '', start);
      await store.addConnection(offline[0] as string, connectionOf('gone='), start);
      await store.removeConnection(offline[0] as string, connectionOf('gone='), start);

      const rows: ListedConnections[] = [];
      let from: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await scan.page(from, 2);
        assert.ok(page.rows.length <= 2);
        rows.push(...page.rows);
        from = page.next;
        if (!from) break;
      }

      assert.equal(from, undefined, 'the walk ends');
      const ours = rows.filter((row) => [...online, ...offline].includes(row.sipUri));
      assert.deepEqual(
        ours.map((row) => `${row.sipUri} ${idsOf(row.connections).join()}`).sort(),
        online.map((sipUri, i) => `${sipUri} c${i}=`).sort(),
      );
    });

    if (impl.name === 'embedded') {
      it('knows nobody after a restart: no one is connected, chosen presence included', async () => {
        const { store } = stores();
        const alice = userOf();
        await store.choose(alice, 'busy', 'back soon', start);
        await store.addConnection(alice, connectionOf('c1='), start);

        await backend.restart!();
        const restarted = storesOf(backend);

        assert.equal(await restarted.store.get(alice), undefined);
        assert.deepEqual((await restarted.scan.page(undefined, 100)).rows, []);
      });
    }
  });
}

/** The row the scan lists for `sipUri`, walking every page. */
async function listed(scan: PresenceScan, sipUri: string): Promise<ListedConnections | undefined> {
  let from: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await scan.page(from, 25);
    const row = page.rows.find((r) => r.sipUri === sipUri);
    if (row) return row;
    from = page.next;
    if (!from) return undefined;
  }
  return undefined;
}

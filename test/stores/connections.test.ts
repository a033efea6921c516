import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { DynamoConnectionScan, type ConnectionScan } from '../../functions/core/realtime/connection-scan.ts';
import {
  connectionTtlSeconds,
  DynamoConnectionStore,
  type ConnectionRecord,
  type ConnectionStore,
} from '../../functions/core/realtime/connections.ts';
import { EmbeddedConnectionStore } from '../../functions/embedded/connection-store.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';

/** The connection store's contract, run against DynamoDB (dynalite) and the embedded store (memory). */

const startSeconds = Math.floor(Date.UTC(2025, 0, 6, 9, 0, 0) / 1000);

/** A fresh user of the shared backend, and a connection of theirs opened `connectedAgo` seconds before the start. */
const userOf = () => `sip:u-${randomUUID()}@contoso.com`;
function connectionOf(sipUri: string, connectionId: string, connectedAgo = 0): ConnectionRecord {
  const connectedAtSeconds = startSeconds - connectedAgo;
  return {
    sipUri,
    connectionId,
    ticketId: `t-${sipUri}`,
    site: 'internal',
    endpoint: 'https://ws.example.test/live',
    connectedAt: connectedAtSeconds * 1000,
    ttl: connectedAtSeconds + connectionTtlSeconds,
  };
}

/** The store and its scan on a clock the test moves (epoch seconds). */
function storesOf(backend: StoreBackend) {
  const clock = { nowSeconds: startSeconds };
  const nowSeconds = () => clock.nowSeconds;
  if (backend.dynamo) {
    const { client, tableNames } = backend.dynamo;
    const store: ConnectionStore = new DynamoConnectionStore(client, tableNames.connections, nowSeconds);
    const scan: ConnectionScan = new DynamoConnectionScan(client, tableNames.connections, nowSeconds);
    return { clock, store, scan };
  }
  const embedded = new EmbeddedConnectionStore(nowSeconds);
  return { clock, store: embedded as ConnectionStore, scan: embedded as ConnectionScan };
}

for (const impl of implementations) {
  describe(`connections (${impl.name})`, () => {
    const backend = useBackend(impl);
    // One store per describe: the embedded one keeps its connections in the instance.
    let cached: ReturnType<typeof storesOf> | undefined;
    const stores = () => (cached ??= storesOf(backend));

    it("lists a user's live connections in connection id order, and no one else's", async () => {
      const { store } = stores();
      const [alice, bob] = [userOf(), userOf()];
      const records = [connectionOf(alice, 'c2='), connectionOf(alice, 'c1='), connectionOf(bob, 'c3=')];
      for (const record of records) await store.put(record);

      assert.deepEqual(await store.listByUser(alice), [records[1], records[0]]);
      assert.deepEqual(await store.listByUser(bob), [records[2]]);
      assert.deepEqual(await store.listByUser(userOf()), []);
    });

    it('ignores a connection past its TTL (its $disconnect was lost)', async () => {
      const { store, clock } = stores();
      const alice = userOf();
      const old = connectionOf(alice, 'old=', connectionTtlSeconds - 60);
      const young = connectionOf(alice, 'young=');
      await store.put(old);
      await store.put(young);

      const before = await store.listByUser(alice);
      clock.nowSeconds += 60;
      const after = await store.listByUser(alice);
      clock.nowSeconds -= 60;

      assert.deepEqual(before, [old, young]);
      assert.deepEqual(after, [young]);
    });

    it('replaces a connection put again under the same id', async () => {
      const { store } = stores();
      const alice = userOf();
      await store.put(connectionOf(alice, 'c='));
      const again = { ...connectionOf(alice, 'c='), endpoint: 'https://ws2.example.test/live' };

      await store.put(again);

      assert.deepEqual(await store.listByUser(alice), [again]);
    });

    it('forgets a connection and answers its record once; nothing for an unknown one', async () => {
      const { store } = stores();
      const alice = userOf();
      const record = connectionOf(alice, 'c=');
      await store.put(record);

      assert.deepEqual(await store.remove(alice, 'c='), record);
      assert.equal(await store.remove(alice, 'c='), undefined);
      assert.equal(await store.remove(userOf(), 'c='), undefined);
      assert.deepEqual(await store.listByUser(alice), []);
    });

    it('hands out records a caller cannot change the stored connection through', async () => {
      const { store } = stores();
      const alice = userOf();
      await store.put(connectionOf(alice, 'c='));

      const [listed] = (await store.listByUser(alice)) as { endpoint: string }[];
      try {
        if (listed) listed.endpoint = 'https://mallory.example.test/';
      } catch {
        // A frozen record refuses the change: as good.
      }

      assert.equal((await store.listByUser(alice))[0]?.endpoint, 'https://ws.example.test/live');
    });

    it('walks every live connection a bounded page at a time, each once, leaving out those past their TTL', async () => {
      const { store, scan } = stores();
      const users = [userOf(), userOf(), userOf()];
      const live = users.flatMap((sipUri, i) =>
        Array.from({ length: i + 1 }, (_, j) => connectionOf(sipUri, `c${j}=`)),
      );
      const expired = connectionOf(users[0] as string, 'expired=', connectionTtlSeconds + 1);
      for (const record of [...live, expired]) await store.put(record);

      const seen: ConnectionRecord[] = [];
      const sizes: number[] = [];
      let from: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await scan.page(from, 2);
        sizes.push(page.connections.length);
        seen.push(...page.connections);
        from = page.next;
        if (!from) break;
      }

      assert.equal(from, undefined, 'the walk ends');
      assert.ok(
        sizes.every((size) => size <= 2),
        `pages of at most 2: ${sizes.join(',')}`,
      );
      const ours = seen.filter((c) => users.includes(c.sipUri));
      const key = (c: ConnectionRecord) => `${c.sipUri} ${c.connectionId}`;
      assert.deepEqual(ours.map(key).sort(), live.map(key).sort());
    });

    if (impl.name === 'embedded') {
      it('is empty after a restart: a connection dies with the process that held it', async () => {
        const { store } = stores();
        const alice = userOf();
        await store.put(connectionOf(alice, 'c='));

        await backend.restart!();
        const restarted = storesOf(backend);

        assert.deepEqual(await restarted.store.listByUser(alice), []);
        assert.deepEqual((await restarted.scan.page(undefined, 100)).connections, []);
      });

      it('forgets connections past their TTL when swept, as DynamoDB TTL does', async () => {
        const store = new EmbeddedConnectionStore(() => startSeconds);
        const alice = userOf();
        const old = connectionOf(alice, 'old=', connectionTtlSeconds + 1);
        const young = connectionOf(alice, 'young=');
        await store.put(old);
        await store.put(young);

        assert.equal(await store.sweepExpired(startSeconds), 1);

        assert.equal(await store.remove(alice, 'old='), undefined);
        assert.deepEqual(await store.remove(alice, 'young='), young);
      });
    }
  });
}

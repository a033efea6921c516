import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../functions/core/clock.ts';
import { DynamoDirectoryStore } from '../../functions/core/directory/store.ts';
import type { Principal } from '../../functions/core/model.ts';
import { connectionTtlSeconds, DynamoConnectionStore } from '../../functions/core/realtime/connections.ts';
import { DynamoContactStore } from '../../functions/core/realtime/contacts-store.ts';
import type { ConnectionAddress, Notifier, ServerFrame } from '../../functions/core/realtime/notifier.ts';
import { DynamoPresenceStore } from '../../functions/core/realtime/presence-store.ts';
import { Realtime } from '../../functions/core/realtime/realtime.ts';
import { signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import { DynamoTicketStore } from '../../functions/core/tickets/store.ts';
import { Tickets } from '../../functions/core/tickets/tickets.ts';
import { testTicketRules, testUser, useLocalDynamo } from './support/local-dynamo.ts';

/**
 * A user's live connections as their presence row keeps them (for fan-out without a Query per
 * watcher), over a real local DynamoDB: what lost disconnects, Gone connections and a connection
 * racing the last one's disconnect leave behind. No gateway: the notifier records and answers.
 */

const start = Date.UTC(2025, 0, 6, 9, 0, 0);
const day = 24 * 3600 * 1000;
const alice = testUser('alice');
const bob = testUser('bob');
// Tickets outlast the connection TTL here, so a test can move past it with signed-in users.
const rules = testTicketRules({
  sites: {
    internal: { lifetimeSeconds: 12 * 3600, idleSeconds: 12 * 3600 },
    external: { lifetimeSeconds: 12 * 3600, idleSeconds: 12 * 3600 },
  },
});

/** Records what the `@connections` API was asked; connections in `gone` answer Gone. */
class ScriptedNotifier implements Notifier {
  readonly sent: { connectionId: string; frame: ServerFrame }[] = [];
  readonly gone = new Set<string>();
  async send(to: ConnectionAddress, frame: ServerFrame): Promise<'sent' | 'gone'> {
    if (this.gone.has(to.connectionId)) return 'gone';
    this.sent.push({ connectionId: to.connectionId, frame });
    return 'sent';
  }
  async close(): Promise<void> {}
  /** The presence frames `connectionId` got about `sipUri`, oldest first. */
  presenceSeen(connectionId: string, sipUri: string): string[] {
    return this.sent
      .filter(
        (s) => s.connectionId === connectionId && s.frame.type === 'presence' && s.frame.sipUri === sipUri,
      )
      .map((s) => String(s.frame.availability));
  }
}

const local = useLocalDynamo('presence-connections', async ({ db, dynamo }) => {
  const directory = new DynamoDirectoryStore(db, dynamo.tableNames.users);
  await directory.put(alice);
  await directory.put(bob);
  // Each sees the other's presence.
  const contacts = new DynamoContactStore(db, dynamo.tableNames.contacts);
  await contacts.add(alice.sipUri, { sipUri: bob.sipUri, displayName: 'bob' }, start);
  await contacts.add(bob.sipUri, { sipUri: alice.sipUri, displayName: 'alice' }, start);
});

let run = 0;
let world: ReturnType<typeof build>;
beforeEach(() => {
  run++;
  world = build();
});

/** A fresh day per test, on a clock that moves only when told and by 1 ms per reading (strict order). */
function build() {
  let now = start + run * 7 * day;
  const clock: Clock & { advance(ms: number): void } = {
    now: () => now++,
    advance: (ms) => void (now += ms),
  };
  const names = local.dynamo.tableNames;
  const tickets = new Tickets(
    new DynamoTicketStore(local.db, names.tickets),
    signingKeysFromSecret('s'.repeat(40)),
    clock,
    rules,
  );
  const notifier = new ScriptedNotifier();
  const realtime = new Realtime({
    audit: { record: () => undefined },
    clock,
    directory: new DynamoDirectoryStore(local.db, names.users),
    tickets,
    connections: new DynamoConnectionStore(local.db, names.connections, () => Math.floor(clock.now() / 1000)),
    presence: new DynamoPresenceStore(local.db, names.presence, clock),
    contacts: new DynamoContactStore(local.db, names.contacts),
    notifier,
  });
  let connections = 0;
  const signIn = async (who: typeof alice): Promise<Principal> => {
    const { record } = await tickets.issue(who, 'internal', 'forms');
    const { sipUri, ticketId, authMethod, site, expiresAt } = record;
    return { sipUri, displayName: who.displayName, ticketId, authMethod, site, expiresAt };
  };
  /** Opens a connection for `principal`, as `$connect` does; answers its address. */
  const connect = async (principal: Principal): Promise<ConnectionAddress> => {
    const connection = {
      connectionId: `c${run}-${++connections}=`,
      endpoint: 'https://ws.example.test/live',
    };
    await realtime.connect(principal, connection);
    return connection;
  };
  /** What `principal` sees of `sipUri` in their contact list, asked on `connection`. */
  const seenBy = async (principal: Principal, connection: ConnectionAddress, sipUri: string) => {
    // The contact list is the frame's answer (the route's response).
    const list = await realtime.handle({ principal, connection }, { action: 'contacts.list' });
    const contacts = (list?.contacts ?? []) as { sipUri: string; availability: string }[];
    return contacts.find((c) => c.sipUri === sipUri)?.availability;
  };
  /** The connection ids on the user's presence row, stale ones included. */
  const liveOnRow = async (sipUri: string): Promise<string[]> => {
    const { Item } = await local.db.send(new GetCommand({ TableName: names.presence, Key: { sipUri } }));
    const live = (Item?.live as Set<string> | undefined) ?? new Set<string>();
    return [...live].map((entry) => (JSON.parse(entry) as { connectionId: string }).connectionId).sort();
  };
  const connectionRow = async (sipUri: string, connectionId: string) =>
    (await local.db.send(new GetCommand({ TableName: names.connections, Key: { sipUri, connectionId } })))
      .Item;
  const ticketOf = (principal: Principal) =>
    tickets.checkFrame(principal.ticketId, 'internal', { activity: false });
  return { clock, realtime, notifier, signIn, connect, seenBy, liveOnRow, connectionRow, ticketOf };
}

describe('connections on the presence row', () => {
  it('ignores a connection whose disconnect was lost once it is older than any connection can live', async () => {
    const { clock, realtime, notifier, signIn, connect, seenBy, liveOnRow } = world;
    const bobs = await signIn(bob);
    const lost = await connect(bobs);
    clock.advance(connectionTtlSeconds * 1000 + 60_000);
    const alices = await signIn(alice);

    const aliceConnection = await connect(alices);
    await realtime.handle(
      { principal: alices, connection: aliceConnection },
      {
        action: 'presence.set',
        availability: 'busy',
        note: '',
      },
    );

    assert.deepEqual(
      notifier.sent.filter((s) => s.connectionId === lost.connectionId),
      [],
      'nothing sent to it',
    );
    assert.equal(await seenBy(alices, aliceConnection, bob.sipUri), 'offline');
    // Bob's next connection clears the entry from his row.
    const again = await connect(bobs);
    assert.deepEqual(await liveOnRow(bob.sipUri), [again.connectionId]);
    assert.equal(await seenBy(alices, aliceConnection, bob.sipUri), 'available');
  });

  it('forgets a connection that answers Gone, on the presence row and in the connections table, and shows its user offline', async () => {
    const { clock, realtime, notifier, signIn, connect, seenBy, liveOnRow, connectionRow } = world;
    const bobs = await signIn(bob);
    const alices = await signIn(alice);
    const bobConnection = await connect(bobs);
    const aliceConnection = await connect(alices);
    notifier.gone.add(bobConnection.connectionId); // its $disconnect was lost
    clock.advance(11_000); // older than a connection still inside $connect

    await realtime.handle(
      { principal: alices, connection: aliceConnection },
      {
        action: 'presence.set',
        availability: 'away',
        // A note of its own: watchers are told only of what they see change.
        note: `change ${run}`,
      },
    );

    assert.deepEqual(await liveOnRow(bob.sipUri), []);
    assert.equal(await connectionRow(bob.sipUri, bobConnection.connectionId), undefined);
    assert.deepEqual(notifier.presenceSeen(aliceConnection.connectionId, bob.sipUri).at(-1), 'offline');
    assert.equal(await seenBy(alices, aliceConnection, bob.sipUri), 'offline');
  });

  it('keeps a young connection that answers Gone: it may still be inside $connect', async () => {
    const { realtime, notifier, signIn, connect, liveOnRow } = world;
    const bobs = await signIn(bob);
    const alices = await signIn(alice);
    const bobConnection = await connect(bobs);
    const aliceConnection = await connect(alices);
    notifier.gone.add(bobConnection.connectionId);

    await realtime.handle(
      { principal: alices, connection: aliceConnection },
      {
        action: 'presence.set',
        availability: 'away',
        // A note of its own: watchers are told only of what they see change.
        note: `change ${run}`,
      },
    );

    assert.deepEqual(await liveOnRow(bob.sipUri), [bobConnection.connectionId]);
  });

  it('keeps a user online, and their ticket attached, when a connection arrives while their last one leaves', async () => {
    const { realtime, signIn, connect, seenBy, liveOnRow, ticketOf } = world;
    const alices = await signIn(alice);
    const aliceConnection = await connect(alices);
    const bobs = await signIn(bob);
    let current = await connect(bobs);
    const headStarts = [
      [0, 0],
      [3, 0],
      [0, 3],
      [6, 0],
      [1, 0],
      [2, 0],
    ];

    for (let round = 0; round < 12; round++) {
      const leaving = current;
      // A reload: the new page's connection opens while the old page's closes; which one's writes
      // land first varies with the head start each round gives one of them.
      const [openAfter, closeAfter] = headStarts[round % headStarts.length] as [number, number];
      [current] = await Promise.all([
        sleep(openAfter).then(() => connect(bobs)),
        sleep(closeAfter).then(() => realtime.disconnect(bobs, leaving.connectionId)),
      ]);

      assert.deepEqual(await liveOnRow(bob.sipUri), [current.connectionId], `round ${round}`);
      assert.equal(await seenBy(alices, aliceConnection, bob.sipUri), 'available', `round ${round}`);
      assert.equal((await ticketOf(bobs))?.record.detachedAt, undefined, `round ${round}`);
    }

    await realtime.disconnect(bobs, current.connectionId);
    assert.equal(await seenBy(alices, aliceConnection, bob.sipUri), 'offline');
    assert.notEqual((await ticketOf(bobs))?.record.detachedAt, undefined);
  });

  it('marks a user offline only when their last connection leaves, and tells the watchers once', async () => {
    const { realtime, notifier, signIn, connect, seenBy } = world;
    const alices = await signIn(alice);
    const aliceConnection = await connect(alices);
    const bobs = await signIn(bob);
    const first = await connect(bobs);
    const second = await connect(bobs);

    await realtime.disconnect(bobs, first.connectionId);
    const afterFirst = await seenBy(alices, aliceConnection, bob.sipUri);
    await Promise.all([
      realtime.disconnect(bobs, second.connectionId),
      realtime.disconnect(bobs, second.connectionId), // a repeated event changes nothing
    ]);

    assert.equal(afterFirst, 'available');
    assert.equal(await seenBy(alices, aliceConnection, bob.sipUri), 'offline');
    assert.deepEqual(notifier.presenceSeen(aliceConnection.connectionId, bob.sipUri), [
      'available',
      'offline',
    ]);
  });
});

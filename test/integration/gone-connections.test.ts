import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { systemClock } from '../../functions/core/clock.ts';
import { takeRequestCounts } from '../../functions/core/metering/request-counts.ts';
import { connectionTtlSeconds, DynamoConnectionStore } from '../../functions/core/realtime/connections.ts';
import { DynamoPresenceStore, type LiveConnection } from '../../functions/core/realtime/presence-store.ts';
import { createDocumentClient } from '../../functions/core/storage/dynamo.ts';
import { demo, FrameClient, signIn } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

/**
 * The scheduled sweep, as EventBridge runs it on AWS, against the local emulation of API Gateway:
 * connections whose `$disconnect` never came answer Gone to an `@connections` GET, are forgotten,
 * and their users' watchers see them go offline. The runtime's own schedule is set far off, so the
 * sweep runs only when the test says.
 */

let rt: TestRuntime;
let db: ReturnType<typeof createDocumentClient>;
let sweepGoneConnections: () => Promise<{ checked: number; removed: number }>;

before(async () => {
  rt = await startTestRuntime({ scheduleIntervalMs: 3_600_000 });
  db = createDocumentClient(rt.storeUrl);
  sweepGoneConnections = () =>
    rt.invoke('scheduled/sweep-gone-connections', {}) as Promise<{ checked: number; removed: number }>;
});
after(async () => {
  db?.destroy();
  await rt?.close();
});

const minutesAgo = (minutes: number) => Date.now() - minutes * 60_000;

/** A connection of `sipUri` the gateway never held (its `$disconnect` lost), as `$connect` records it. */
async function ghost(
  sipUri: string,
  connection: LiveConnection,
  options: { readonly row: boolean },
): Promise<void> {
  const { tableNames } = rt.deps.settings;
  if (options.row) {
    await new DynamoConnectionStore(db, tableNames.connections, () => Math.floor(Date.now() / 1000)).put({
      ...connection,
      sipUri,
      site: 'internal',
      ttl: Math.floor(connection.connectedAt / 1000) + connectionTtlSeconds,
    });
  }
  await new DynamoPresenceStore(db, tableNames.presence, systemClock).addConnection(
    sipUri,
    connection,
    Date.now(),
  );
}

async function connectionIdsOf(sipUri: string): Promise<string[]> {
  const { Items } = await db.send(
    new QueryCommand({
      TableName: rt.deps.settings.tableNames.connections,
      KeyConditionExpression: 'sipUri = :u',
      ExpressionAttributeValues: { ':u': sipUri },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map((item) => String(item.connectionId)).sort();
}

async function liveOnRow(sipUri: string): Promise<string[]> {
  const { Item } = await db.send(
    new GetCommand({
      TableName: rt.deps.settings.tableNames.presence,
      Key: { sipUri },
      ConsistentRead: true,
    }),
  );
  const live = (Item?.live as Set<string> | undefined) ?? new Set<string>();
  return [...live].map((entry) => (JSON.parse(entry) as { connectionId: string }).connectionId).sort();
}

async function seenBy(client: FrameClient, sipUri: string): Promise<string | undefined> {
  const frame = await client.request({ action: 'contacts.list' }, 'contacts');
  return (frame.contacts as { sipUri: string; availability: string }[]).find((c) => c.sipUri === sipUri)
    ?.availability;
}

describe('the scheduled sweep of connections gone without a $disconnect', () => {
  it('answers Gone (410) to a GET for a connection the gateway does not hold, as API Gateway does', async () => {
    const response = await fetch(`${rt.connectionsUrl}/ws/@connections/${encodeURIComponent('nobody=')}`);
    assert.equal(response.status, 410);
    assert.equal(response.headers.get('x-amzn-errortype'), 'GoneException');
  });

  it('forgets the connections @connections answers Gone for, keeps live ones, and tells watchers', async () => {
    const alice = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.alice));
    const carol = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.carol));
    try {
      // Bob's connections died without a `$disconnect`: one left both its rows, one only its
      // presence entry (a `$disconnect` cut short between its two writes).
      const endpoint = 'https://ghost.execute-api.local/ws';
      const base = { endpoint, ticketId: 'bob-ticket', connectedAt: minutesAgo(5) };
      await ghost(demo.bob.sipUri, { ...base, connectionId: 'ghost-1=' }, { row: true });
      await ghost(demo.bob.sipUri, { ...base, connectionId: 'ghost-2=' }, { row: false });
      // Carol's connection is live and old enough to be asked about.
      const [carolsConnection] = await connectionIdsOf(demo.carol.sipUri);
      assert.ok(carolsConnection);
      await db.send(
        new UpdateCommand({
          TableName: rt.deps.settings.tableNames.connections,
          Key: { sipUri: demo.carol.sipUri, connectionId: carolsConnection },
          UpdateExpression: 'SET connectedAt = :t',
          ExpressionAttributeValues: { ':t': minutesAgo(5) },
        }),
      );
      assert.equal(await seenBy(alice, demo.bob.sipUri), 'available', 'the ghost shows bob online');
      takeRequestCounts();

      const outcome = await sweepGoneConnections();

      // Alice's and carol's presence entries are too young to be asked about.
      assert.deepEqual(outcome, { checked: 3, removed: 2 });
      assert.equal(takeRequestCounts()['@connections GET'], 3);
      const offline = await alice.next((f) => f.type === 'presence' && f.sipUri === demo.bob.sipUri);
      assert.equal(offline.availability, 'offline');
      assert.equal(await seenBy(alice, demo.bob.sipUri), 'offline');
      assert.deepEqual(await connectionIdsOf(demo.bob.sipUri), []);
      assert.deepEqual(await liveOnRow(demo.bob.sipUri), []);
      assert.deepEqual(await connectionIdsOf(demo.carol.sipUri), [carolsConnection]);
      assert.equal(await seenBy(alice, demo.carol.sipUri), 'available');
      assert.equal((await carol.request({ action: 'ping' }, 'pong')).type, 'pong');
    } finally {
      await alice.close();
      await carol.close();
    }
  });

  it('forgets without asking a connection older than any connection can live', async () => {
    const alice = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.alice));
    try {
      await ghost(
        demo.bob.sipUri,
        {
          connectionId: 'ancient=',
          endpoint: 'https://ghost.execute-api.local/ws',
          ticketId: 'bob-ticket',
          connectedAt: Date.now() - connectionTtlSeconds * 1000 - 60_000,
        },
        { row: false },
      );
      takeRequestCounts();

      const outcome = await sweepGoneConnections();

      assert.deepEqual(outcome, { checked: 1, removed: 1 });
      assert.equal(takeRequestCounts()['@connections GET'], undefined);
      assert.deepEqual(await liveOnRow(demo.bob.sipUri), []);
    } finally {
      await alice.close();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { frozenClock } from '../../functions/core/clock.ts';
import { takeRequestCounts } from '../../functions/core/metering/request-counts.ts';
import type { DirectoryUser } from '../../functions/core/model.ts';
import { createDocumentClient } from '../../functions/core/storage/dynamo.ts';
import { signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import { DynamoTicketStore } from '../../functions/core/tickets/store.ts';
import { Tickets, type TicketRules } from '../../functions/core/tickets/tickets.ts';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamo.ts';

/** What each WebSocket frame writes to its ticket, over a real local DynamoDB with requests counted. */

const start = Date.UTC(2025, 0, 6, 9, 0, 5);
const rules: TicketRules = {
  sites: {
    internal: { lifetimeSeconds: 8 * 3600, idleSeconds: 30 * 60 },
    external: { lifetimeSeconds: 8 * 3600, idleSeconds: 30 * 60 },
  },
  leaveGraceSeconds: 60,
  frameRate: { limit: 3, windowSeconds: 10 },
};
const alice: DirectoryUser = {
  sipUri: 'sip:alice@contoso.com',
  domain: 'CONTOSO',
  username: 'alice',
  displayName: 'Alice Ahn',
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
};

let dataDir: string;
let dynamo: LocalDynamo;
let db: DynamoDBDocumentClient;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-frame-writes-'));
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  dynamo = await startLocalDynamo(join(dataDir, 'dynamodb'));
  db = createDocumentClient(dynamo.endpoint);
});
after(async () => {
  db?.destroy();
  await dynamo?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A Lambda instance's view of the tickets: its own store (and so its own memory of rate windows). */
const instance = (clock: ReturnType<typeof frozenClock>) =>
  new Tickets(
    new DynamoTicketStore(db, dynamo.tableNames.tickets),
    signingKeysFromSecret('s'.repeat(40)),
    clock,
    rules,
  );

/** DynamoDB requests `work` made, by command and table. */
async function requestsOf(work: () => Promise<unknown>): Promise<Record<string, number>> {
  takeRequestCounts();
  await work();
  return takeRequestCounts();
}

const oneWrite = { 'dynamodb UpdateItem cwa-tickets': 1 };

describe('WebSocket frames and their ticket writes', () => {
  it('costs one write per frame, whether the frame opens a rate window or follows one in it', async () => {
    const clock = frozenClock(start);
    const tickets = instance(clock);
    const { record } = await tickets.issue(alice, 'internal', 'forms');
    const ping = () => tickets.checkFrame(record.ticketId, 'internal', { activity: false });

    const first = await requestsOf(ping);
    clock.advance(1000);
    const second = await requestsOf(ping);
    clock.advance(10_000);
    const nextWindow = await requestsOf(ping);

    assert.deepEqual([first, second, nextWindow], [oneWrite, oneWrite, oneWrite]);
  });

  it('still counts every frame of a window when frames reach different instances', async () => {
    const clock = frozenClock(start);
    const [a, b] = [instance(clock), instance(clock)];
    const { record } = await a.issue(alice, 'internal', 'forms');
    const frame = (tickets: Tickets) => tickets.checkFrame(record.ticketId, 'internal', { activity: true });

    const seen = [];
    for (const tickets of [a, b, a, b]) seen.push((await frame(tickets))?.rateLimited);
    clock.advance(10_000);
    seen.push((await frame(b))?.rateLimited);

    assert.deepEqual(seen, [false, false, false, true, false], 'limit 3 per window, then a fresh window');
  });

  it('answers nothing for a revoked ticket, whichever write it tries first', async () => {
    const clock = frozenClock(start);
    const tickets = instance(clock);
    const { record } = await tickets.issue(alice, 'internal', 'forms');
    await tickets.checkFrame(record.ticketId, 'internal', { activity: false });
    await tickets.revoke(record.ticketId);

    assert.equal(await tickets.checkFrame(record.ticketId, 'internal', { activity: false }), undefined);
    clock.advance(10_000);
    assert.equal(await tickets.checkFrame(record.ticketId, 'internal', { activity: false }), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import { takeRequestCounts } from '../../functions/core/metering/request-counts.ts';
import { signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import { DynamoTicketStore } from '../../functions/core/tickets/store.ts';
import { Tickets } from '../../functions/core/tickets/tickets.ts';
import { testTicketRules, testUser, useLocalDynamo } from './support/local-dynamo.ts';

/** What each WebSocket frame writes to its ticket, over a real local DynamoDB with requests counted. */

const start = Date.UTC(2025, 0, 6, 9, 0, 5);
const rules = testTicketRules({ frameRate: { limit: 3, windowSeconds: 10 } });
const alice = testUser('alice', 'Alice Ahn');
const local = useLocalDynamo('frame-writes');

/** A Lambda instance's view of the tickets: its own store (and so its own memory of rate windows). */
const instance = (clock: ReturnType<typeof frozenClock>) =>
  new Tickets(
    new DynamoTicketStore(local.db, local.dynamo.tableNames.tickets),
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

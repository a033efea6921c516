import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import { signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import { DynamoTicketStore } from '../../functions/core/tickets/store.ts';
import { Tickets } from '../../functions/core/tickets/tickets.ts';
import { testTicketRules, testUser, useLocalDynamo } from './support/local-dynamo.ts';

/** SSO's per-site ticket options (own idle timeout, persistent cookie) over a real local DynamoDB. */

const start = Date.UTC(2025, 0, 6, 9, 0, 0);
const rules = testTicketRules();
const alice = testUser('alice', 'Alice Ahn');
const local = useLocalDynamo('sso-tickets');

function world() {
  const clock = frozenClock(start);
  const tickets = new Tickets(
    new DynamoTicketStore(local.db, local.dynamo.tableNames.tickets),
    signingKeysFromSecret('s'.repeat(40)),
    clock,
    rules,
  );
  return { clock, tickets };
}

describe('tickets minted with their own rules (SSO per-site settings)', () => {
  it('idles out on its own timeout, and user activity moves it by that timeout, not the site’s', async () => {
    const { clock, tickets } = world();
    const { token, record } = await tickets.issue(alice, 'external', 'sso', { idleSeconds: 120 });
    assert.equal(record.idleExpiresAt, start + 120_000);

    clock.advance(60_000);
    const framed = await tickets.checkFrame(record.ticketId, 'external', { activity: true });
    assert.equal(framed?.record.idleExpiresAt, start + 60_000 + 120_000, 'a frame moves it by 120 s');
    clock.advance(60_000);
    await tickets.recordActivity(await tickets.validate(token, 'external'));
    clock.advance(119_000);
    await tickets.validate(token, 'external');

    clock.advance(2_000);
    await assert.rejects(tickets.validate(token, 'external'), { code: 'unauthenticated' });
  });

  it('leaves other tickets on the site’s idle timeout', async () => {
    const { clock, tickets } = world();
    const { record } = await tickets.issue(alice, 'external', 'forms');
    clock.advance(60_000);
    const framed = await tickets.checkFrame(record.ticketId, 'external', { activity: true });
    assert.equal(framed?.record.idleExpiresAt, start + 60_000 + 30 * 60_000);
  });

  it('lets a persistent ticket outlive leaving the client page, for its own lifetime', async () => {
    const { clock, tickets } = world();
    const persistent = await tickets.issue(alice, 'internal', 'sso', {
      lifetimeSeconds: 3600,
      persistent: true,
    });
    const session = await tickets.issue(alice, 'internal', 'sso');
    assert.equal(persistent.record.expiresAt, start + 3600_000);
    for (const { record } of [persistent, session]) {
      await tickets.attach(record.ticketId);
      await tickets.detach(record.ticketId, clock.now());
    }

    clock.advance(5 * 60_000);

    await tickets.validate(persistent.token, 'internal');
    await assert.rejects(tickets.validate(session.token, 'internal'), { code: 'unauthenticated' });
  });

  it('ignores a persistent ticket’s leave, while a session ticket’s leave ends it and lists it for the sweeper', async () => {
    const { clock, tickets } = world();
    const persistent = await tickets.issue(alice, 'internal', 'sso', { persistent: true });
    const session = await tickets.issue(alice, 'internal', 'sso');
    const reloaded = await tickets.issue(alice, 'internal', 'sso');
    for (const { record } of [persistent, session, reloaded]) {
      await tickets.attach(record.ticketId);
      await tickets.leave(record.ticketId);
      await tickets.detach(record.ticketId, clock.now());
    }
    clock.advance(1000);
    await tickets.attach(reloaded.record.ticketId);

    clock.advance(rules.leaveConfirmSeconds * 1000);

    await tickets.validate(persistent.token, 'internal');
    await tickets.validate(reloaded.token, 'internal');
    await assert.rejects(tickets.validate(session.token, 'internal'), { code: 'unauthenticated' });
    assert.deepEqual(
      (await tickets.recentlyLeft()).map((r) => r.ticketId),
      [session.record.ticketId],
    );
  });
});

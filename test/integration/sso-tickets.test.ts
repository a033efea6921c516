import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { frozenClock } from '../../functions/core/clock.ts';
import type { DirectoryUser } from '../../functions/core/model.ts';
import { createDocumentClient } from '../../functions/core/storage/dynamo.ts';
import { signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import { DynamoTicketStore } from '../../functions/core/tickets/store.ts';
import { Tickets, type TicketRules } from '../../functions/core/tickets/tickets.ts';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamo.ts';

/** SSO's per-site ticket options (own idle timeout, persistent cookie) over a real local DynamoDB. */

const start = Date.UTC(2025, 0, 6, 9, 0, 0);
const rules: TicketRules = {
  sites: {
    internal: { lifetimeSeconds: 8 * 3600, idleSeconds: 30 * 60 },
    external: { lifetimeSeconds: 8 * 3600, idleSeconds: 30 * 60 },
  },
  leaveGraceSeconds: 60,
  frameRate: { limit: 60, windowSeconds: 10 },
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
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-sso-tickets-'));
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

function world() {
  const clock = frozenClock(start);
  const tickets = new Tickets(
    new DynamoTicketStore(db, dynamo.tableNames.tickets),
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
});

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { sessionOf, type AuditEvent } from '../../functions/core/audit/audit-log.ts';
import { frozenClock } from '../../functions/core/clock.ts';
import { DynamoDirectoryStore } from '../../functions/core/directory/store.ts';
import { connectionTtlSeconds, DynamoConnectionStore } from '../../functions/core/realtime/connections.ts';
import { DynamoContactStore } from '../../functions/core/realtime/contacts-store.ts';
import type { DirectoryUser } from '../../functions/core/model.ts';
import type { ConnectionAddress, Notifier, ServerFrame } from '../../functions/core/realtime/notifier.ts';
import { DynamoPresenceStore } from '../../functions/core/realtime/presence-store.ts';
import { Realtime } from '../../functions/core/realtime/realtime.ts';
import { SessionAdmin } from '../../functions/core/sessions/session-admin.ts';
import { signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import { DynamoTicketStore } from '../../functions/core/tickets/store.ts';
import { Tickets } from '../../functions/core/tickets/tickets.ts';
import { DynamoUserTicketIndex } from '../../functions/core/tickets/user-tickets.ts';
import { testTicketRules, testUser, useLocalDynamo } from './support/local-dynamo.ts';

/** Session administration as the domain offers it, over a real local DynamoDB; no CLI, no gateway. */

const start = Date.UTC(2025, 0, 6, 9, 0, 0);
const rules = testTicketRules({
  sites: {
    internal: { lifetimeSeconds: 8 * 3600, idleSeconds: 30 * 60 },
    external: { lifetimeSeconds: 3600, idleSeconds: 15 * 60 },
  },
});
const user = testUser;
const alice = user('alice');
const bob = user('bob');

/** Records what the `@connections` API was asked to do. */
class RecordingNotifier implements Notifier {
  readonly sent: { connectionId: string; frame: ServerFrame }[] = [];
  readonly closed: string[] = [];
  async send(to: ConnectionAddress, frame: ServerFrame): Promise<'sent'> {
    this.sent.push({ connectionId: to.connectionId, frame });
    return 'sent';
  }
  async close(to: ConnectionAddress): Promise<void> {
    this.closed.push(to.connectionId);
  }
}

const local = useLocalDynamo('session-admin', async ({ db, dynamo }) => {
  const directory = new DynamoDirectoryStore(db, dynamo.tableNames.users);
  await directory.put(alice);
  await directory.put(bob);
});
let run = 0;

/** A fresh world per test: each test's users get their own SIP URIs' worth of tickets. */
let world: ReturnType<typeof build>;
beforeEach(() => {
  run++;
  world = build();
});

function build() {
  const clock = frozenClock(start + run * 24 * 3600 * 1000);
  const names = local.dynamo.tableNames;
  const ticketStore = new DynamoTicketStore(local.db, names.tickets);
  const tickets = new Tickets(ticketStore, signingKeysFromSecret('s'.repeat(40)), clock, rules);
  const connections = new DynamoConnectionStore(local.db, names.connections, () =>
    Math.floor(clock.now() / 1000),
  );
  const directory = new DynamoDirectoryStore(local.db, names.users);
  const notifier = new RecordingNotifier();
  const audit: AuditEvent[] = [];
  const auditLog = { record: (event: AuditEvent) => void audit.push(event) };
  const realtime = new Realtime({
    audit: auditLog,
    clock,
    directory,
    tickets,
    connections,
    presence: new DynamoPresenceStore(local.db, names.presence, clock),
    contacts: new DynamoContactStore(local.db, names.contacts),
    notifier,
  });
  const admin = new SessionAdmin({
    directory,
    tickets,
    ticketRecords: ticketStore,
    userTickets: new DynamoUserTicketIndex(local.db, names.tickets),
    connections,
    realtime,
    audit: auditLog,
  });
  /** Signs `who` in on `site` and opens `count` connections with the ticket. */
  const signIn = async (who: DirectoryUser, site: 'internal' | 'external', count: number) => {
    const { record } = await tickets.issue(who, site, 'forms');
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const connectionId = `${record.ticketId.slice(0, 8)}-${i}`;
      await connections.put({
        sipUri: who.sipUri,
        connectionId,
        ticketId: record.ticketId,
        site,
        endpoint: 'http://127.0.0.1:9/',
        connectedAt: clock.now(),
        ttl: Math.floor(clock.now() / 1000) + connectionTtlSeconds,
      });
      ids.push(connectionId);
    }
    return { record, session: sessionOf(record.ticketId), connectionIds: ids };
  };
  return { clock, tickets, ticketStore, admin, notifier, audit, signIn };
}

/** Revokes whatever a test left behind, so the next test starts with no sessions. */
async function revokeEveryone(): Promise<void> {
  for (const who of [alice, bob]) await world.admin.revokeUser(who.sipUri);
}

describe('listing a user’s sessions', () => {
  it('shows each live session with its site, method, times and live connections, never its ticket', async () => {
    const first = await world.signIn(alice, 'internal', 2);
    world.clock.advance(5000);
    const second = await world.signIn(alice, 'external', 0);
    await world.signIn(bob, 'internal', 1);

    const listed = await world.admin.list(alice.sipUri);

    assert.equal(listed.sipUri, alice.sipUri);
    assert.deepEqual(listed.sessions, [
      {
        session: first.session,
        site: 'internal',
        authMethod: 'forms',
        issuedAt: first.record.issuedAt,
        expiresAt: first.record.expiresAt,
        idleExpiresAt: first.record.idleExpiresAt,
        connections: 2,
      },
      {
        session: second.session,
        site: 'external',
        authMethod: 'forms',
        issuedAt: second.record.issuedAt,
        expiresAt: second.record.expiresAt,
        idleExpiresAt: second.record.idleExpiresAt,
        connections: 0,
      },
    ]);
    assert.ok(!JSON.stringify(listed).includes(first.record.ticketId), 'no ticket id');
    await revokeEveryone();
  });

  it('leaves out a session whose ticket has expired but is not yet swept', async () => {
    await world.signIn(alice, 'external', 0);
    world.clock.advance(20 * 60 * 1000);
    const fresh = await world.signIn(alice, 'internal', 0);

    const { sessions } = await world.admin.list(alice.sipUri);

    assert.deepEqual(
      sessions.map((s) => s.session),
      [fresh.session],
    );
    await revokeEveryone();
  });

  it('finds the user whatever the case of the SIP URI typed', async () => {
    const signedIn = await world.signIn(alice, 'internal', 0);

    const { sipUri, sessions } = await world.admin.list('SIP:Alice@Contoso.com');

    assert.equal(sipUri, alice.sipUri);
    assert.deepEqual(
      sessions.map((s) => s.session),
      [signedIn.session],
    );
    await revokeEveryone();
  });

  it('answers an empty list for a known user without sessions, and not_found for an unknown one', async () => {
    assert.deepEqual(await world.admin.list(bob.sipUri), { sipUri: bob.sipUri, sessions: [] });
    await assert.rejects(world.admin.list('sip:mallory@contoso.com'), {
      name: 'AppError',
      code: 'not_found',
    });
  });
});

describe('revoking sessions', () => {
  it('ends one session: its record is gone, its connections are told why and closed, the audit trail says so', async () => {
    const revoked = await world.signIn(alice, 'internal', 2);
    const kept = await world.signIn(alice, 'internal', 1);

    const result = await world.admin.revokeSession(revoked.session);

    assert.deepEqual(result, { sipUri: alice.sipUri, sessions: [revoked.session] });
    assert.equal(await world.ticketStore.get(revoked.record.ticketId), undefined);
    assert.ok(await world.ticketStore.get(kept.record.ticketId));
    assert.deepEqual(
      world.notifier.sent.map((s) => [s.connectionId, s.frame]).sort(),
      revoked.connectionIds.map((id) => [id, { type: 'session.ended', reason: 'revoked' }]),
    );
    assert.deepEqual(world.notifier.closed.sort(), revoked.connectionIds);
    assert.deepEqual(world.audit, [
      { event: 'session.ended', reason: 'revoked', sipUri: alice.sipUri, session: revoked.session },
    ]);
    assert.deepEqual(
      (await world.admin.list(alice.sipUri)).sessions.map((s) => s.session),
      [kept.session],
    );
    await revokeEveryone();
  });

  it('ends every session of a user and no one else’s', async () => {
    const one = await world.signIn(alice, 'internal', 1);
    const two = await world.signIn(alice, 'external', 1);
    const bobs = await world.signIn(bob, 'internal', 1);

    const result = await world.admin.revokeUser(alice.sipUri);

    assert.deepEqual([...result.sessions].sort(), [one.session, two.session].sort());
    assert.deepEqual((await world.admin.list(alice.sipUri)).sessions, []);
    assert.deepEqual(world.notifier.closed.sort(), [...one.connectionIds, ...two.connectionIds].sort());
    assert.deepEqual(
      world.audit.map((e) => ('session' in e ? e.session : '')).sort(),
      [one.session, two.session].sort(),
    );
    assert.equal((await world.admin.list(bob.sipUri)).sessions[0]?.session, bobs.session);
    await revokeEveryone();
  });

  it('ends the sessions of a user no longer in the directory', async () => {
    const gone = user('frank');
    const signedIn = await world.signIn(gone, 'internal', 1);

    const result = await world.admin.revokeUser(gone.sipUri);

    assert.deepEqual(result, { sipUri: gone.sipUri, sessions: [signedIn.session] });
    await assert.rejects(world.admin.list(gone.sipUri), { code: 'not_found' });
  });

  it('answers not_found for a session that does not exist, or was already revoked', async () => {
    const signedIn = await world.signIn(alice, 'internal', 0);
    await world.admin.revokeSession(signedIn.session);

    await assert.rejects(world.admin.revokeSession(signedIn.session), { code: 'not_found' });
    await assert.rejects(world.admin.revokeSession('AAAAAAAAAAAA'), { code: 'not_found' });
  });
});

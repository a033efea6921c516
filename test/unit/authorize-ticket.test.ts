import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import type { AuditEvent } from '../../functions/core/audit/audit-log.ts';
import type { DirectoryStore } from '../../functions/core/directory/store.ts';
import { AppError, isAppError } from '../../functions/core/errors.ts';
import type { DirectoryUser } from '../../functions/core/model.ts';
import { authorizeTicket } from '../../functions/core/policy/authorize-ticket.ts';
import { signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import type { TicketRecord, TicketStore } from '../../functions/core/tickets/store.ts';
import { Tickets, type TicketRules } from '../../functions/core/tickets/tickets.ts';

const rules: TicketRules = {
  sites: {
    internal: { lifetimeSeconds: 8 * 3600, idleSeconds: 30 * 60 },
    external: { lifetimeSeconds: 8 * 3600, idleSeconds: 30 * 60 },
  },
  leaveGraceSeconds: 60,
  leaveConfirmSeconds: 3,
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

/**
 * A ticket store whose reads answer only once the directory has been asked too: an authorizer that
 * read the ticket first and the user after would wait here for ever.
 */
function world() {
  const records = new Map<string, TicketRecord>();
  let directoryAsked: () => void = () => undefined;
  const asked = new Promise<void>((resolve) => (directoryAsked = resolve));
  const store = {
    put: async (record: TicketRecord) => void records.set(record.ticketId, record),
    get: async (ticketId: string) => (await asked, records.get(ticketId)),
    touch: async () => undefined,
    delete: async (ticketId: string) => records.delete(ticketId),
  } as unknown as TicketStore;
  let current: DirectoryUser | Error = alice;
  const directory = {
    findBySipUri: async (sipUri: string) => {
      directoryAsked();
      if (current instanceof Error) throw current;
      return sipUri === current.sipUri ? current : undefined;
    },
  } as unknown as DirectoryStore;
  const tickets = new Tickets(
    store,
    signingKeysFromSecret('s'.repeat(40)),
    frozenClock(Date.UTC(2025, 0, 6)),
    rules,
  );
  const audit: AuditEvent[] = [];
  const closed: { ticketId: string; reason: string }[] = [];
  const deps = {
    tickets,
    directory,
    legacyUrl: undefined,
    audit: { record: (event: AuditEvent) => void audit.push(event) },
    realtime: {
      endTicketConnections: async (ticket: TicketRecord, reason: string) =>
        void closed.push({ ticketId: ticket.ticketId, reason }),
    },
  };
  /** What the directory answers for alice from now on: her entry, or a failure to answer. */
  const directoryAnswers = (answer: DirectoryUser | Error) => (current = answer);
  return { tickets, directory, records, deps, audit, closed, directoryAnswers };
}

const within = <T>(ms: number, work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms).unref(),
    ),
  ]);

void describe('the authorizer decision', () => {
  void test('reads the ticket and the user together: both keys come from the verified token', async () => {
    const { tickets, deps } = world();
    const { token } = await tickets.issue(alice, 'internal', 'forms');

    const principal = await within(2000, authorizeTicket(deps, token, 'internal', { activity: true }));

    assert.equal(principal.sipUri, alice.sipUri);
  });

  void test('refuses a token whose ticket record is gone, though its user exists', async () => {
    const { tickets, deps, records } = world();
    const { token, record } = await tickets.issue(alice, 'internal', 'forms');
    records.delete(record.ticketId);

    await assert.rejects(
      within(2000, authorizeTicket(deps, token, 'internal', { activity: true })),
      (err: unknown) => isAppError(err) && err.code === 'unauthenticated',
    );
  });

  const refusedWith = (code: string) => (err: unknown) => isAppError(err) && err.code === code;

  for (const [what, change, site, code] of [
    ['disabled', { enabled: false }, 'internal', 'user_disabled'],
    [
      'without remote access, on the external site',
      { remoteAccess: false },
      'external',
      'remote_access_denied',
    ],
    ['without enhanced presence', { enhancedPresence: false }, 'internal', 'enhanced_presence_required'],
  ] as const) {
    void test(`ends the ticket of a user ${what} for good: restoring the user does not revive it`, async () => {
      const { tickets, deps, records, audit, closed, directoryAnswers } = world();
      const { token, record } = await tickets.issue(alice, site, 'forms');
      directoryAnswers({ ...alice, ...change });

      await assert.rejects(authorizeTicket(deps, token, site, { activity: true }), refusedWith(code));
      await assert.rejects(
        authorizeTicket(deps, token, site, { activity: true }),
        refusedWith('unauthenticated'),
      );
      directoryAnswers(alice);

      await assert.rejects(
        authorizeTicket(deps, token, site, { activity: true }),
        refusedWith('unauthenticated'),
      );
      assert.equal(records.has(record.ticketId), false);
      assert.deepEqual(
        audit.map((e) => [e.event, 'reason' in e ? e.reason : '']),
        [['session.ended', 'policy']],
      );
      assert.deepEqual(closed, [{ ticketId: record.ticketId, reason: 'policy' }]);
    });
  }

  void test('ends the ticket of a user who left the directory', async () => {
    const { tickets, deps, records, directoryAnswers } = world();
    const { token, record } = await tickets.issue(alice, 'internal', 'forms');
    directoryAnswers({ ...alice, sipUri: 'sip:someone-else@contoso.com' });

    await assert.rejects(
      authorizeTicket(deps, token, 'internal', { activity: true }),
      refusedWith('unauthenticated'),
    );

    assert.equal(records.has(record.ticketId), false);
  });

  void test('keeps the ticket when the directory cannot answer: that is no policy decision', async () => {
    const { tickets, deps, records, audit, directoryAnswers } = world();
    const { token, record } = await tickets.issue(alice, 'internal', 'forms');
    directoryAnswers(new AppError('directory_unavailable', 'The directory did not answer.'));

    await assert.rejects(
      authorizeTicket(deps, token, 'internal', { activity: true }),
      refusedWith('directory_unavailable'),
    );
    directoryAnswers(alice);

    assert.equal(records.has(record.ticketId), true);
    assert.deepEqual(audit, []);
    assert.equal((await authorizeTicket(deps, token, 'internal', { activity: true })).sipUri, alice.sipUri);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import type { DirectoryStore } from '../../functions/core/directory/store.ts';
import { isAppError } from '../../functions/core/errors.ts';
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
  } as unknown as TicketStore;
  const directory = {
    findBySipUri: async (sipUri: string) => {
      directoryAsked();
      return sipUri === alice.sipUri ? alice : undefined;
    },
  } as unknown as DirectoryStore;
  const tickets = new Tickets(
    store,
    signingKeysFromSecret('s'.repeat(40)),
    frozenClock(Date.UTC(2025, 0, 6)),
    rules,
  );
  return { tickets, directory, records };
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
    const { tickets, directory } = world();
    const { token } = await tickets.issue(alice, 'internal', 'forms');

    const principal = await within(
      2000,
      authorizeTicket({ tickets, directory, legacyUrl: undefined }, token, 'internal', { activity: true }),
    );

    assert.equal(principal.sipUri, alice.sipUri);
  });

  void test('refuses a token whose ticket record is gone, though its user exists', async () => {
    const { tickets, directory, records } = world();
    const { token, record } = await tickets.issue(alice, 'internal', 'forms');
    records.delete(record.ticketId);

    await assert.rejects(
      within(
        2000,
        authorizeTicket({ tickets, directory, legacyUrl: undefined }, token, 'internal', { activity: true }),
      ),
      (err: unknown) => isAppError(err) && err.code === 'unauthenticated',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import {
  handoffSeconds,
  isHandoffState,
  issueHandoff,
  newHandoffState,
  redeemHandoff,
} from '../../functions/core/signin/certificate-handoff.ts';
import { signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import { Tickets } from '../../functions/core/tickets/tickets.ts';
import type { TicketStore } from '../../functions/core/tickets/store.ts';

const keys = signingKeysFromSecret('k'.repeat(48));
const now = Date.UTC(2026, 0, 5, 9, 0, 0);
const handoff = { holder: 'alice@contoso.com', site: 'internal', certificateSha256: 'abc' } as const;

describe('certificate hand-off from the mutual-TLS domain to the site', () => {
  it('names the holder to the browser that holds the state, within a minute', async () => {
    const state = newHandoffState();
    const token = await issueHandoff(keys, frozenClock(now), handoff, state);

    const later = frozenClock(now + (handoffSeconds - 1) * 1000);
    assert.deepEqual(await redeemHandoff(keys, later, token, { site: 'internal', state }), handoff);
    assert.ok(isHandoffState(state));
    assert.ok(!isHandoffState('short') && !isHandoffState(undefined) && !isHandoffState(`${state}=`));
  });

  it('is refused late, in another browser, on the other site, or signed with another key', async () => {
    const state = newHandoffState();
    const token = await issueHandoff(keys, frozenClock(now), handoff, state);
    const invalid = { code: 'certificate_handoff_invalid' };

    await assert.rejects(
      redeemHandoff(keys, frozenClock(now + (handoffSeconds + 1) * 1000), token, { site: 'internal', state }),
      invalid,
    );
    await assert.rejects(
      redeemHandoff(keys, frozenClock(now), token, { site: 'internal', state: newHandoffState() }),
      invalid,
    );
    await assert.rejects(
      redeemHandoff(keys, frozenClock(now), token, { site: 'internal', state: undefined }),
      invalid,
    );
    await assert.rejects(redeemHandoff(keys, frozenClock(now), token, { site: 'external', state }), invalid);
    const other = signingKeysFromSecret('o'.repeat(48));
    await assert.rejects(redeemHandoff(other, frozenClock(now), token, { site: 'internal', state }), invalid);
  });

  it('is never taken for a ticket, nor a ticket for it', async () => {
    const store = {
      put: async () => undefined,
      get: async () => undefined,
    } as unknown as TicketStore;
    const policy = { lifetimeSeconds: 3600, idleSeconds: 600 };
    const tickets = new Tickets(store, keys, frozenClock(now), {
      sites: { internal: policy, external: policy },
      leaveGraceSeconds: 60,
      leaveConfirmSeconds: 5,
      frameRate: { limit: 100, windowSeconds: 10 },
    });
    const state = newHandoffState();
    const token = await issueHandoff(keys, frozenClock(now), handoff, state);
    await assert.rejects(tickets.validate(token, 'internal'), { code: 'unauthenticated' });

    const user = {
      sipUri: 'sip:alice@contoso.com',
      domain: 'CONTOSO',
      username: 'alice',
      displayName: 'Alice',
      enabled: true,
      enhancedPresence: true,
      remoteAccess: true,
    };
    const ticket = await tickets.issue(user, 'internal', 'certificate');
    await assert.rejects(redeemHandoff(keys, frozenClock(now), ticket.token, { site: 'internal', state }), {
      code: 'certificate_handoff_invalid',
    });
  });
});

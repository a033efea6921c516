import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import { isConditionFailure } from '../../functions/core/storage/dynamo.ts';
import { signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import {
  DynamoTicketStore,
  type TicketRecord,
  type TicketStore,
} from '../../functions/core/tickets/store.ts';
import { Tickets } from '../../functions/core/tickets/tickets.ts';
import { DynamoUserTicketIndex, type UserTicketIndex } from '../../functions/core/tickets/user-tickets.ts';
import { openEmbeddedDatabase } from '../../functions/embedded/database.ts';
import { EmbeddedTicketStore } from '../../functions/embedded/ticket-store.ts';
import { testTicketRules, testUser } from '../integration/support/local-dynamo.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';
import { writeThenKill, writerStart } from './support/killed-writer.ts';

/** The ticket store's contract, run against DynamoDB (dynalite) and the embedded store (LMDB). */

const start = Date.UTC(2025, 0, 6, 9, 0, 5);
const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const minuteOf = (ms: number) => Math.floor(ms / minute);
const rules = testTicketRules({ frameRate: { limit: 3, windowSeconds: 10 } });

/** A ticket of its own user (the backend is shared by the file's tests): 8 hours, idle after 30 minutes. */
function ticketOf(overrides: Partial<TicketRecord> = {}): TicketRecord {
  const id = randomUUID();
  return {
    ticketId: `t-${id}`,
    sipUri: `sip:u-${id}@contoso.com`,
    site: 'internal',
    authMethod: 'forms',
    issuedAt: start,
    expiresAt: start + 8 * hour,
    idleExpiresAt: start + 30 * minute,
    lastActivityAt: start,
    ...overrides,
  };
}

function storesOf(backend: StoreBackend): { store: TicketStore; index: UserTicketIndex } {
  if (backend.dynamo) {
    const { client, tableNames } = backend.dynamo;
    return {
      store: new DynamoTicketStore(client, tableNames.tickets),
      index: new DynamoUserTicketIndex(client, tableNames.tickets),
    };
  }
  const embedded = new EmbeddedTicketStore(backend.embedded!);
  return { store: embedded, index: embedded };
}

const activity = { idleSeconds: 30 * 60 };

for (const impl of implementations) {
  describe(`tickets (${impl.name})`, () => {
    const backend = useBackend(impl);
    const stores = () => storesOf(backend);

    describe('records', () => {
      it('answers a stored ticket as it was put, and nothing for an unknown one', async () => {
        const { store } = stores();
        const record = ticketOf({ persistent: true, account: 'CONTOSO\\u', idleTimeoutMs: 5 * minute });

        await store.put(record);

        assert.deepEqual(await store.get(record.ticketId), record);
        assert.equal(await store.get(`t-${randomUUID()}`), undefined);
      });

      it('refuses to put a ticket whose id is taken, as a failed condition, and keeps the first', async () => {
        const { store } = stores();
        const record = ticketOf();
        await store.put(record);

        await assert.rejects(store.put({ ...record, sipUri: 'sip:mallory@contoso.com' }), (err: unknown) =>
          isConditionFailure(err),
        );

        assert.equal((await store.get(record.ticketId))?.sipUri, record.sipUri);
      });

      it('revokes a ticket once: true when it existed, false after', async () => {
        const { store } = stores();
        const record = ticketOf();
        await store.put(record);

        assert.equal(await store.delete(record.ticketId), true);
        assert.equal(await store.delete(record.ticketId), false);
        assert.equal(await store.get(record.ticketId), undefined);
      });

      it('hands out records a caller cannot change the stored ticket through', async () => {
        const { store } = stores();
        const record = ticketOf();
        await store.put(record);

        const read = (await store.get(record.ticketId)) as { sipUri: string };
        try {
          read.sipUri = 'sip:mallory@contoso.com';
        } catch {
          // A frozen record refuses the change: as good.
        }

        assert.equal((await store.get(record.ticketId))?.sipUri, record.sipUri);
      });
    });

    describe('frames', () => {
      it('counts frames in their rate window and starts again at 1 in the next one', async () => {
        const { store } = stores();
        const record = ticketOf();
        await store.put(record);

        const counts = [];
        for (const [at, window] of [
          [start, 10],
          [start + second, 10],
          [start + 2 * second, 10],
          [start + 10 * second, 11],
          [start + 11 * second, 11],
        ] as const) {
          counts.push((await store.useForFrame(record.ticketId, at, window, undefined))?.framesInWindow);
        }

        assert.deepEqual(counts, [1, 2, 3, 1, 2]);
      });

      it('lets a frame of an older window (a skewed clock) through uncounted', async () => {
        const { store } = stores();
        const record = ticketOf();
        await store.put(record);
        await store.useForFrame(record.ticketId, start, 11, undefined);

        const late = await store.useForFrame(record.ticketId, start, 10, undefined);

        assert.equal(late?.framesInWindow, 0);
        assert.equal(late?.record.ticketId, record.ticketId);
        assert.equal((await store.useForFrame(record.ticketId, start, 11, undefined))?.framesInWindow, 2);
      });

      it('moves the idle expiry for user activity, and not for a keep-alive', async () => {
        const { store } = stores();
        const record = ticketOf();
        await store.put(record);
        const at = start + 10 * minute;

        const ping = await store.useForFrame(record.ticketId, at, 1, undefined);
        const typed = await store.useForFrame(record.ticketId, at, 1, activity);

        assert.equal(ping?.record.idleExpiresAt, record.idleExpiresAt);
        assert.equal(ping?.record.lastActivityAt, record.lastActivityAt);
        assert.equal(typed?.record.idleExpiresAt, at + 30 * minute);
        assert.equal(typed?.record.lastActivityAt, at);
        assert.equal((await store.get(record.ticketId))?.idleExpiresAt, at + 30 * minute);
      });

      it("keeps a ticket's own idle timeout over the site's, and never moves idle expiry past the absolute one", async () => {
        const { store } = stores();
        const own = ticketOf({ idleTimeoutMs: 5 * minute });
        const ending = ticketOf({ expiresAt: start + 40 * minute });
        await store.put(own);
        await store.put(ending);
        const at = start + 20 * minute;

        const ownUse = await store.useForFrame(own.ticketId, start + minute, 1, activity);
        const endingUse = await store.useForFrame(ending.ticketId, at, 1, activity);

        assert.equal(ownUse?.record.idleExpiresAt, start + minute + 5 * minute);
        assert.equal(endingUse?.record.idleExpiresAt, ending.expiresAt);
        assert.equal((await store.get(ending.ticketId))?.idleExpiresAt, ending.expiresAt);
      });

      it('answers nothing for a revoked, unknown or expired ticket, and does not revive it', async () => {
        const { store } = stores();
        const revoked = ticketOf();
        const idle = ticketOf();
        const old = ticketOf({ expiresAt: start + hour, idleExpiresAt: start + hour });
        for (const r of [revoked, idle, old]) await store.put(r);
        await store.delete(revoked.ticketId);

        const answers = [
          await store.useForFrame(revoked.ticketId, start, 1, activity),
          await store.useForFrame(`t-${randomUUID()}`, start, 1, activity),
          await store.useForFrame(idle.ticketId, idle.idleExpiresAt, 1, activity),
          await store.useForFrame(old.ticketId, old.expiresAt, 1, activity),
        ];

        assert.deepEqual(answers, [undefined, undefined, undefined, undefined]);
        assert.equal(await store.get(revoked.ticketId), undefined);
        assert.deepEqual(await store.get(idle.ticketId), idle);
        assert.deepEqual(await store.get(old.ticketId), old);
      });

      it('counts every frame of a window when frames reach different instances of the store', async () => {
        const [a, b] = [stores().store, stores().store];
        const record = ticketOf();
        await a.put(record);

        const seen = [];
        for (const store of [a, b, a, b]) {
          seen.push((await store.useForFrame(record.ticketId, start, 7, activity))?.framesInWindow);
        }

        assert.deepEqual(seen, [1, 2, 3, 4]);
      });
    });

    describe('activity between frames', () => {
      it('moves the idle expiry of a ticket that exists and has not reached its absolute expiry', async () => {
        const { store } = stores();
        const record = ticketOf();
        const revoked = ticketOf();
        await store.put(record);
        await store.put(revoked);
        await store.delete(revoked.ticketId);

        await store.touch(record, start + 10 * minute, start + 40 * minute);
        await store.touch(revoked, start + 10 * minute, start + 40 * minute);
        await store.touch(record, record.expiresAt, record.expiresAt + 30 * minute);

        const stored = await store.get(record.ticketId);
        assert.equal(stored?.lastActivityAt, start + 10 * minute);
        assert.equal(stored?.idleExpiresAt, start + 40 * minute);
        assert.equal(await store.get(revoked.ticketId), undefined, 'not brought back');
      });
    });

    describe('leaving the client page', () => {
      it('lists a detached ticket under the minute it went, and attaching takes it off', async () => {
        const { store } = stores();
        const record = ticketOf();
        await store.put(record);
        const at = start + 5 * minute;

        await store.attach(record.ticketId, start);
        await store.detach(record.ticketId, at, at);
        const listed = await store.leavingInMinute(minuteOf(at));
        await store.attach(record.ticketId, at + second);

        assert.deepEqual(
          listed.filter((r) => r.ticketId === record.ticketId).map((r) => r.detachedAt),
          [at],
        );
        assert.deepEqual(await store.leavingInMinute(minuteOf(at)), []);
        const attached = await store.get(record.ticketId);
        assert.equal(attached?.attachedAt, at + second);
        assert.equal(attached?.detachedAt, undefined);
        assert.equal(attached?.leftAt, undefined);
      });

      it('does not detach a ticket a connection attached to after the check', async () => {
        const { store } = stores();
        const record = ticketOf();
        await store.put(record);
        await store.attach(record.ticketId, start + second);

        await store.detach(record.ticketId, start + 2 * second, start);

        assert.equal((await store.get(record.ticketId))?.detachedAt, undefined);
        assert.deepEqual(await store.leavingInMinute(minuteOf(start + 2 * second)), []);
      });

      it('records a leave and lists it, except for a persistent ticket', async () => {
        const { store } = stores();
        const record = ticketOf();
        const persistent = ticketOf({ persistent: true });
        await store.put(record);
        await store.put(persistent);
        const at = start + 7 * minute;

        await store.leave(record.ticketId, at);
        await store.leave(persistent.ticketId, at);

        assert.equal((await store.get(record.ticketId))?.leftAt, at);
        assert.deepEqual(await store.get(persistent.ticketId), persistent);
        assert.deepEqual(
          (await store.leavingInMinute(minuteOf(at))).map((r) => r.ticketId),
          [record.ticketId],
        );
      });

      it('leaves an unknown or revoked ticket unknown', async () => {
        const { store } = stores();
        const id = `t-${randomUUID()}`;
        const at = start + 9 * minute;

        await store.attach(id, at);
        await store.detach(id, at, at);
        await store.leave(id, at);

        assert.equal(await store.get(id), undefined);
        assert.deepEqual(await store.leavingInMinute(minuteOf(at)), []);
      });
    });

    describe('the session sweeper and the admin view', () => {
      it('lists tickets by the minute of their first expiry, following activity to its new minute', async () => {
        const { store } = stores();
        // Minutes of their own, far from the other tests' tickets.
        const base = start + 3 * 24 * hour;
        const idle = ticketOf({
          issuedAt: base,
          idleExpiresAt: base + 30 * minute,
          expiresAt: base + 8 * hour,
        });
        const short = ticketOf({
          issuedAt: base,
          idleExpiresAt: base + 31 * minute,
          expiresAt: base + 30 * minute,
        });
        const active = ticketOf({
          issuedAt: base,
          idleExpiresAt: base + 30 * minute,
          expiresAt: base + 8 * hour,
        });
        for (const r of [idle, short, active]) await store.put(r);

        await store.useForFrame(active.ticketId, base + 10 * minute, 1, activity);

        const idsIn = async (m: number) =>
          (await store.expiringInMinute(minuteOf(m))).map((r) => r.ticketId).sort();
        assert.deepEqual(await idsIn(base + 30 * minute), [idle.ticketId, short.ticketId].sort());
        assert.deepEqual(await idsIn(base + 40 * minute), [active.ticketId]);
      });

      it("lists a user's tickets and every ticket with its user, and forgets revoked ones", async () => {
        const { store, index } = stores();
        const first = ticketOf();
        const second = ticketOf({ sipUri: first.sipUri });
        const other = ticketOf();
        for (const r of [first, second, other]) await store.put(r);
        await store.delete(second.ticketId);

        const mine = await index.ticketIdsOf(first.sipUri);
        const every = [];
        for await (const owner of index.everyTicket()) every.push(owner);

        assert.deepEqual(mine, [first.ticketId]);
        assert.deepEqual(await index.ticketIdsOf('sip:nobody@contoso.com'), []);
        const named = every.filter((o) => [first, second, other].some((r) => r.ticketId === o.ticketId));
        assert.deepEqual(
          named.sort((a, b) => a.ticketId.localeCompare(b.ticketId)),
          [first, other]
            .map(({ ticketId, sipUri }) => ({ ticketId, sipUri }))
            .sort((a, b) => a.ticketId.localeCompare(b.ticketId)),
        );
      });
    });

    describe('tickets over the store', () => {
      const ticketsAt = (at: number) => {
        const clock = frozenClock(at);
        const tickets = new Tickets(stores().store, signingKeysFromSecret('s'.repeat(40)), clock, rules);
        return { clock, tickets };
      };
      const alice = testUser('alice', 'Alice Ahn');

      it('marks frames over the rate limit, and starts counting again in the next window', async () => {
        const { clock, tickets } = ticketsAt(start);
        const { record } = await tickets.issue(alice, 'internal', 'forms');
        const frame = () => tickets.checkFrame(record.ticketId, 'internal', { activity: true });

        const seen = [];
        for (let i = 0; i < 4; i++) seen.push((await frame())?.rateLimited);
        clock.advance(10 * second);
        seen.push((await frame())?.rateLimited);

        assert.deepEqual(seen, [false, false, false, true, false]);
      });

      it('ends a ticket once its last connection has been gone for the grace period, unless a page came back', async () => {
        const { clock, tickets } = ticketsAt(start + 24 * hour);
        const gone = await tickets.issue(alice, 'internal', 'forms');
        const reloaded = await tickets.issue(alice, 'internal', 'forms');
        for (const { record } of [gone, reloaded]) {
          await tickets.attach(record.ticketId);
          await tickets.detach(record.ticketId, clock.now());
        }
        clock.advance(5 * second);
        await tickets.attach(reloaded.record.ticketId);

        clock.advance(rules.leaveGraceSeconds * second);

        await assert.rejects(tickets.validate(gone.token, 'internal'), { code: 'unauthenticated' });
        assert.equal((await tickets.validate(reloaded.token, 'internal')).ticketId, reloaded.record.ticketId);
        assert.deepEqual(
          (await tickets.recentlyLeft()).map((r) => r.ticketId),
          [gone.record.ticketId],
        );
      });

      it('ends a ticket a few seconds after its page said it was going and its connection closed', async () => {
        const { clock, tickets } = ticketsAt(start + 2 * 24 * hour);
        const { token, record } = await tickets.issue(alice, 'internal', 'forms');
        await tickets.attach(record.ticketId);
        await tickets.leave(record.ticketId);
        await tickets.detach(record.ticketId, clock.now());
        clock.advance(rules.leaveConfirmSeconds * second - 1);
        await tickets.validate(token, 'internal');

        clock.advance(1);

        await assert.rejects(tickets.validate(token, 'internal'), { code: 'unauthenticated' });
        assert.equal(await tickets.checkFrame(record.ticketId, 'internal', { activity: true }), undefined);
      });

      it('lists recently expired tickets for the session sweeper, and not active ones', async () => {
        const { clock, tickets } = ticketsAt(start + 4 * 24 * hour);
        const idle = await tickets.issue(alice, 'internal', 'forms');
        const active = await tickets.issue(alice, 'internal', 'forms');
        clock.advance(10 * minute);
        await tickets.checkFrame(active.record.ticketId, 'internal', { activity: true });
        clock.advance(20 * minute + second);

        const expired = await tickets.recentlyExpired();

        assert.deepEqual(
          expired.map((r) => r.ticketId),
          [idle.record.ticketId],
        );
        assert.equal(
          await tickets.revoke(idle.record.ticketId).then((r) => r?.ticketId),
          idle.record.ticketId,
        );
        assert.equal(await tickets.revoke(idle.record.ticketId), undefined, 'ended once');
      });
    });

    if (impl.name === 'embedded') {
      describe('restarts and TTL (embedded)', () => {
        it('keeps tickets, their leaves and their indexes across a restart, and forgets frame counts', async () => {
          const store = new EmbeddedTicketStore(backend.embedded!);
          const kept = ticketOf();
          const left = ticketOf({ sipUri: kept.sipUri });
          const revoked = ticketOf();
          for (const r of [kept, left, revoked]) await store.put(r);
          await store.attach(kept.ticketId, start + second);
          await store.useForFrame(kept.ticketId, start + 2 * second, 1, undefined);
          await store.leave(left.ticketId, start + 3 * minute);
          await store.delete(revoked.ticketId);

          const again = new EmbeddedTicketStore(await backend.restart!());

          assert.deepEqual(await again.get(kept.ticketId), { ...kept, attachedAt: start + second });
          assert.equal(await again.get(revoked.ticketId), undefined);
          assert.deepEqual(await again.ticketIdsOf(kept.sipUri), [kept.ticketId, left.ticketId].sort());
          assert.deepEqual(
            (await again.leavingInMinute(minuteOf(start + 3 * minute))).map((r) => r.ticketId),
            [left.ticketId],
          );
          assert.ok(
            (await again.expiringInMinute(minuteOf(kept.idleExpiresAt))).some(
              (r) => r.ticketId === kept.ticketId,
            ),
          );
          assert.equal(
            (await again.useForFrame(kept.ticketId, start + 3 * second, 1, undefined))?.framesInWindow,
            1,
          );
        });

        it('keeps every acknowledged write when the process is killed (kill -9) right after', async () => {
          const dir = await mkdtemp(join(tmpdir(), 'cwa-stores-killed-'));
          try {
            const id = `k-${randomUUID()}`;
            const before = openEmbeddedDatabase(dir);
            await new EmbeddedTicketStore(before).put(ticketOf({ ticketId: `${id}-revoked` }));
            await before.close();

            await writeThenKill(dir, 'tickets', id);

            const after = openEmbeddedDatabase(dir);
            try {
              const store = new EmbeddedTicketStore(after);
              const kept = await store.get(`${id}-kept`);
              assert.equal(kept?.attachedAt, writerStart + 1000);
              assert.equal(kept?.leftAt, writerStart + 2000);
              assert.ok((kept?.idleExpiresAt ?? 0) >= writerStart + 30 * minute, 'never earlier than issued');
              assert.deepEqual(
                (await store.leavingInMinute(minuteOf(writerStart + 2000))).map((r) => r.ticketId),
                [`${id}-kept`],
              );
              assert.equal(await store.get(`${id}-revoked`), undefined);
            } finally {
              await after.close();
            }
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        });

        it('writes activity behind once the idle expiry on disk lags by 30 seconds, so a restart keeps it', async () => {
          const store = new EmbeddedTicketStore(backend.embedded!);
          const record = ticketOf();
          await store.put(record);
          const at = start + 10 * minute;

          await store.useForFrame(record.ticketId, at, 1, activity);
          await backend.embedded!.flushed();
          const again = new EmbeddedTicketStore(await backend.restart!());

          const stored = await again.get(record.ticketId);
          assert.equal(stored?.idleExpiresAt, at + 30 * minute);
          assert.equal(stored?.lastActivityAt, at);
        });

        it('deletes tickets past their TTL when swept, as DynamoDB TTL does, and answers them until then', async () => {
          const store = new EmbeddedTicketStore(backend.embedded!);
          const base = start + 30 * 24 * hour;
          const expired = ticketOf({ issuedAt: base, idleExpiresAt: base + minute, expiresAt: base + hour });
          const current = ticketOf({
            issuedAt: base,
            idleExpiresAt: base + 2 * minute,
            expiresAt: base + hour,
          });
          await store.put(expired);
          await store.put(current);
          assert.deepEqual(await store.get(expired.ticketId), expired);

          const removed = await store.sweepExpired(Math.floor((base + minute) / 1000) + 1);

          assert.ok(removed >= 1);
          assert.equal(await store.get(expired.ticketId), undefined);
          assert.deepEqual(await store.get(current.ticketId), current);
          const again = new EmbeddedTicketStore(await backend.restart!());
          assert.equal(await again.get(expired.ticketId), undefined);
        });
      });
    }
  });
}

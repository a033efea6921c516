import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { frozenClock } from '../../functions/core/clock.ts';
import type { DirectoryUser } from '../../functions/core/model.ts';
import { keyRingFromSecrets, signingKeysFromSecret } from '../../functions/core/tickets/keys.ts';
import type { FrameUse, TicketRecord, TicketStore } from '../../functions/core/tickets/store.ts';
import { Tickets, type TicketPolicy, type TicketRules } from '../../functions/core/tickets/tickets.ts';

/** Behaves like the DynamoDB store: `touch` only extends a ticket that still exists and has not expired. */
class MemoryTicketStore implements TicketStore {
  readonly records = new Map<string, TicketRecord>();

  async put(record: TicketRecord): Promise<void> {
    if (this.records.has(record.ticketId)) throw new Error(`ticket ${record.ticketId} already exists`);
    this.records.set(record.ticketId, record);
  }

  async get(ticketId: string): Promise<TicketRecord | undefined> {
    return this.records.get(ticketId);
  }

  async touch(ticket: TicketRecord, lastActivityAt: number, idleExpiresAt: number): Promise<void> {
    const current = this.records.get(ticket.ticketId);
    if (!current || current.expiresAt <= lastActivityAt) return;
    this.records.set(ticket.ticketId, { ...current, lastActivityAt, idleExpiresAt });
  }

  async useForFrame(
    ticketId: string,
    now: number,
    window: number,
    activity: { readonly idleSeconds: number } | undefined,
  ): Promise<FrameUse | undefined> {
    const current = this.records.get(ticketId);
    if (!current || current.expiresAt <= now || current.idleExpiresAt <= now) return undefined;
    const counted = this.frames.get(ticketId);
    const framesInWindow = counted?.window === window ? counted.count + 1 : 1;
    this.frames.set(ticketId, { window, count: framesInWindow });
    const record = activity
      ? {
          ...current,
          lastActivityAt: now,
          idleExpiresAt: Math.min(now + activity.idleSeconds * 1000, current.expiresAt),
        }
      : current;
    this.records.set(ticketId, record);
    return { record, framesInWindow };
  }

  async attach(ticketId: string, at: number): Promise<void> {
    const current = this.records.get(ticketId);
    if (!current) return;
    this.records.set(ticketId, { ...current, attachedAt: at, detachedAt: undefined, leftAt: undefined });
    this.leaveMinutes.delete(ticketId);
  }

  async detach(ticketId: string, at: number, checkedAt: number): Promise<void> {
    const current = this.records.get(ticketId);
    if (!current || (current.attachedAt ?? 0) > checkedAt) return;
    this.records.set(ticketId, { ...current, detachedAt: at });
    this.leaveMinutes.set(ticketId, Math.floor(at / 60_000));
  }

  async leave(ticketId: string, at: number): Promise<void> {
    const current = this.records.get(ticketId);
    if (!current || current.persistent) return;
    this.records.set(ticketId, { ...current, leftAt: at });
    this.leaveMinutes.set(ticketId, Math.floor(at / 60_000));
  }

  async expiringInMinute(minute: number): Promise<TicketRecord[]> {
    return [...this.records.values()].filter(
      (r) => Math.floor(Math.min(r.expiresAt, r.idleExpiresAt) / 60_000) === minute,
    );
  }

  async leavingInMinute(minute: number): Promise<TicketRecord[]> {
    return [...this.records.values()].filter((r) => this.leaveMinutes.get(r.ticketId) === minute);
  }

  /** The sparse `leave-index`: the minute each listed ticket's page went. */
  private readonly leaveMinutes = new Map<string, number>();

  async delete(ticketId: string): Promise<boolean> {
    return this.records.delete(ticketId);
  }

  private readonly frames = new Map<string, { window: number; count: number }>();
}

const secret = 'x'.repeat(40);
const start = Date.UTC(2025, 0, 6, 9, 0, 0);
const policy: TicketPolicy = { lifetimeSeconds: 8 * 3600, idleSeconds: 15 * 60 };
const rules: TicketRules = {
  sites: { internal: policy, external: policy },
  leaveGraceSeconds: 60,
  leaveConfirmSeconds: 3,
  frameRate: { limit: 5, windowSeconds: 10 },
};
const second = 1000;
const minute = 60 * second;

const alice: DirectoryUser = {
  sipUri: 'sip:alice@contoso.com',
  domain: 'CONTOSO',
  username: 'alice',
  displayName: 'Alice Ahn',
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
};

const refusedAsUnauthenticated = { name: 'AppError', code: 'unauthenticated' };

function setup(options: { secret?: string; store?: MemoryTicketStore; rules?: TicketRules } = {}) {
  const store = options.store ?? new MemoryTicketStore();
  const clock = frozenClock(start);
  const tickets = new Tickets(
    store,
    signingKeysFromSecret(options.secret ?? secret),
    clock,
    options.rules ?? rules,
  );
  return { store, clock, tickets };
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (part: string | undefined): Record<string, unknown> =>
  JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/** A token naming the same live ticket, signed with the real key, with claims or header fields changed (undefined removes one). */
async function signedLike(
  token: string,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const keys = signingKeysFromSecret(secret);
  const payload = Object.fromEntries(
    Object.entries({ ...decodePart(token.split('.')[1]), ...claims }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  const protectedHeader = Object.fromEntries(
    Object.entries({ alg: 'EdDSA', kid: keys.kid, typ: 'JWT', ...header }).filter(([, v]) => v !== undefined),
  ) as { alg: string };
  return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(keys.privateKey);
}

/** An HS256 token whose HMAC key is `key`: what an attacker can make from a published public key. */
function hs256(key: string | Uint8Array, claims: Record<string, unknown>): string {
  const input = `${base64url({ alg: 'HS256', typ: 'JWT', kid: signingKeysFromSecret(secret).kid })}.${base64url(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

void describe('tickets', () => {
  void describe('sites', () => {
    void test('accepts a ticket on the site it was issued for', async () => {
      const { tickets } = setup();
      const { token, record } = await tickets.issue(alice, 'external', 'forms');

      const validated = await tickets.validate(token, 'external');

      assert.equal(validated.ticketId, record.ticketId);
      assert.equal(validated.sipUri, 'sip:alice@contoso.com');
    });

    void test('refuses a ticket on the other site', async () => {
      const { tickets } = setup();
      const external = await tickets.issue(alice, 'external', 'forms');
      const internal = await tickets.issue(alice, 'internal', 'forms');

      await assert.rejects(tickets.validate(external.token, 'internal'), refusedAsUnauthenticated);
      await assert.rejects(tickets.validate(internal.token, 'external'), refusedAsUnauthenticated);
    });
  });

  void describe('WebSocket frames and leaving the client page', () => {
    void test('counts user frames as activity but not keep-alive pings', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      clock.advance(10 * minute);
      await tickets.checkFrame(record.ticketId, 'internal', { activity: false });
      clock.advance(policy.idleSeconds * second - 10 * minute);

      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);

      const fresh = await tickets.issue(alice, 'internal', 'forms');
      clock.advance(10 * minute);
      await tickets.checkFrame(fresh.record.ticketId, 'internal', { activity: true });
      clock.advance(policy.idleSeconds * second - 10 * minute);
      await tickets.validate(fresh.token, 'internal');
    });

    void test('marks frames over the rate limit, and starts counting again in the next window', async () => {
      const { tickets, clock } = setup();
      const { record } = await tickets.issue(alice, 'internal', 'forms');
      const checks = [];
      for (let i = 0; i < rules.frameRate.limit + 1; i++) {
        checks.push(await tickets.checkFrame(record.ticketId, 'internal', { activity: true }));
      }

      assert.deepEqual(
        checks.map((c) => c?.rateLimited),
        [...Array<boolean>(rules.frameRate.limit).fill(false), true],
      );
      clock.advance(rules.frameRate.windowSeconds * second);
      assert.equal(
        (await tickets.checkFrame(record.ticketId, 'internal', { activity: true }))?.rateLimited,
        false,
      );
    });

    void test('ends a ticket once its last connection has been gone for the leave grace period', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      await tickets.attach(record.ticketId);
      clock.advance(minute);
      await tickets.detach(record.ticketId, clock.now());
      clock.advance(rules.leaveGraceSeconds * second - 1);
      await tickets.validate(token, 'internal');

      clock.advance(1);

      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
    });

    void test('keeps a ticket whose page came back within the grace period (a reload)', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      await tickets.attach(record.ticketId);
      await tickets.detach(record.ticketId, clock.now());
      clock.advance(5 * second);
      await tickets.attach(record.ticketId);
      clock.advance(rules.leaveGraceSeconds * second);

      await tickets.validate(token, 'internal');
    });

    void test('does not detach a ticket that a newer connection attached to meanwhile', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      const checkedAt = clock.now();
      clock.advance(second);
      await tickets.attach(record.ticketId);
      await tickets.detach(record.ticketId, checkedAt);
      clock.advance(rules.leaveGraceSeconds * second + minute);

      await tickets.validate(token, 'internal');
    });

    void test('ends a ticket a few seconds after its page said it was going and its connection closed (a closed tab, or another page)', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      await tickets.attach(record.ticketId);
      clock.advance(10 * minute);
      await tickets.leave(record.ticketId);
      await tickets.detach(record.ticketId, clock.now());
      clock.advance(rules.leaveConfirmSeconds * second - 1);
      await tickets.validate(token, 'internal');

      clock.advance(1);

      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
      assert.equal(await tickets.checkFrame(record.ticketId, 'internal', { activity: true }), undefined);
    });

    void test('ends it the same way when the connection closed before the page said it was going', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      await tickets.attach(record.ticketId);
      await tickets.detach(record.ticketId, clock.now());
      clock.advance(20 * second);
      await tickets.leave(record.ticketId);

      clock.advance(rules.leaveConfirmSeconds * second);

      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
    });

    void test('ends a ticket that never connected once its page said it was going', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      await tickets.leave(record.ticketId);

      clock.advance(rules.leaveConfirmSeconds * second);

      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
    });

    void test('keeps a ticket whose page said it was going and connected again at once (a reload)', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      await tickets.attach(record.ticketId);
      await tickets.leave(record.ticketId);
      await tickets.detach(record.ticketId, clock.now());
      clock.advance(second);
      await tickets.attach(record.ticketId);

      clock.advance(rules.leaveGraceSeconds * second + minute);

      await tickets.validate(token, 'internal');
    });

    void test('a request with the cookie does not take a leave back: only a connection shows a page', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      await tickets.attach(record.ticketId);
      await tickets.leave(record.ticketId);
      await tickets.detach(record.ticketId, clock.now());
      clock.advance(second);
      await tickets.recordActivity(await tickets.validate(token, 'internal'));

      clock.advance(rules.leaveConfirmSeconds * second);

      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
    });

    void test('a page coming back after the confirm window does not bring the ticket back', async () => {
      const { tickets, clock, store } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      await tickets.attach(record.ticketId);
      await tickets.leave(record.ticketId);
      await tickets.detach(record.ticketId, clock.now());
      clock.advance(rules.leaveConfirmSeconds * second);

      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
      assert.notEqual(store.records.get(record.ticketId)?.leftAt, undefined);
    });

    void test('ends nothing while another page of the ticket stays connected (one of two tabs closed)', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      await tickets.attach(record.ticketId);
      clock.advance(second);
      await tickets.attach(record.ticketId);
      // The first tab goes; its connection was not the ticket's last, so nothing is detached.
      await tickets.leave(record.ticketId);
      clock.advance(10 * minute);
      await tickets.validate(token, 'internal');

      // The other tab's connection drops later without a word: the grace period applies, not the confirm window.
      await tickets.detach(record.ticketId, clock.now());
      clock.advance(rules.leaveGraceSeconds * second - 1);
      await tickets.validate(token, 'internal');
      clock.advance(1);
      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
    });

    void test('gives the grace period to a page whose connection closed only well after it said it was going', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      await tickets.attach(record.ticketId);
      await tickets.leave(record.ticketId);
      clock.advance(rules.leaveConfirmSeconds * second + 1);
      await tickets.detach(record.ticketId, clock.now());

      clock.advance(rules.leaveGraceSeconds * second - 1);

      await tickets.validate(token, 'internal');
    });

    void test('keeps a persistent ticket (single sign-on opt-in) when its page goes', async () => {
      const { tickets, clock, store } = setup();
      const { token, record } = await tickets.issue(alice, 'external', 'sso', { persistent: true });
      await tickets.attach(record.ticketId);
      await tickets.leave(record.ticketId);
      await tickets.detach(record.ticketId, clock.now());

      clock.advance(rules.leaveGraceSeconds * second + minute);

      await tickets.validate(token, 'external');
      assert.equal(store.records.get(record.ticketId)?.leftAt, undefined);
    });

    void test('lists tickets that leaving ended for the session sweeper, and not those still in use', async () => {
      const { tickets, clock } = setup();
      const [closed, stillOpen, reloaded, dropped] = await Promise.all(
        [1, 2, 3, 4].map(async () => (await tickets.issue(alice, 'internal', 'forms')).record.ticketId),
      );
      for (const id of [closed, stillOpen, reloaded, dropped]) await tickets.attach(id as string);
      await tickets.detach(dropped as string, clock.now());
      clock.advance(rules.leaveGraceSeconds * second - rules.leaveConfirmSeconds * second);
      await tickets.leave(closed as string);
      await tickets.detach(closed as string, clock.now());
      await tickets.leave(stillOpen as string);
      await tickets.leave(reloaded as string);
      await tickets.detach(reloaded as string, clock.now());
      await tickets.attach(reloaded as string);
      clock.advance(rules.leaveConfirmSeconds * second);

      const left = await tickets.recentlyLeft();

      assert.deepEqual(left.map((r) => r.ticketId).sort(), [closed, dropped].sort());
      assert.deepEqual(await tickets.recentlyExpired(), []);
    });

    void test('lists recently expired tickets for the session sweeper', async () => {
      const { tickets, clock } = setup();
      const idle = await tickets.issue(alice, 'internal', 'forms');
      clock.advance(10 * minute);
      const active = await tickets.issue(alice, 'internal', 'forms');
      clock.advance(policy.idleSeconds * second - 10 * minute + second);

      const expired = await tickets.recentlyExpired();

      assert.deepEqual(
        expired.map((r) => r.ticketId),
        [idle.record.ticketId],
      );
      assert.ok(active);
    });
  });

  void describe('revocation and expiry', () => {
    void test('refuses a ticket whose record was revoked', async () => {
      const { tickets } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');

      const revoked = await tickets.revoke(record.ticketId);

      assert.equal(revoked?.ticketId, record.ticketId);
      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
      assert.equal(await tickets.checkFrame(record.ticketId, 'internal', { activity: false }), undefined);
    });

    void test('refuses a ticket once its absolute lifetime has passed, even with steady activity', async () => {
      const { tickets, clock } = setup();
      const { token } = await tickets.issue(alice, 'internal', 'forms');
      // Stay active every 10 minutes so only the absolute lifetime can end the ticket.
      for (let elapsed = 0; elapsed < policy.lifetimeSeconds * second - 10 * minute; elapsed += 10 * minute) {
        clock.advance(10 * minute);
        await tickets.recordActivity(await tickets.validate(token, 'internal'));
      }
      clock.advance(10 * minute - 1);
      await tickets.validate(token, 'internal');

      clock.advance(1);

      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
    });

    void test('refuses a ticket once the idle timeout passes without activity', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      clock.advance(policy.idleSeconds * second - 1);
      await tickets.validate(token, 'internal');

      clock.advance(1);

      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
      assert.equal(await tickets.checkFrame(record.ticketId, 'internal', { activity: false }), undefined);
    });

    void test('activity pushes the idle expiry, so an active user stays signed in past the idle timeout', async () => {
      const { tickets, clock } = setup();
      const { token } = await tickets.issue(alice, 'internal', 'forms');
      clock.advance(10 * minute);
      await tickets.recordActivity(await tickets.validate(token, 'internal'));

      clock.advance(10 * minute);
      const validated = await tickets.validate(token, 'internal');

      assert.equal(validated.idleExpiresAt, start + 10 * minute + policy.idleSeconds * second);
    });

    void test('activity within 30 seconds of the last write does not move the idle expiry', async () => {
      const { tickets, clock, store } = setup();
      const { record } = await tickets.issue(alice, 'internal', 'forms');
      clock.advance(30 * second - 1);

      await tickets.recordActivity(record);

      assert.equal(store.records.get(record.ticketId)?.idleExpiresAt, record.idleExpiresAt);
    });

    void test('with a 10 s idle timeout, requests every 2 s keep the user signed in (the write interval follows the idle time)', async () => {
      const short: TicketPolicy = { lifetimeSeconds: 3600, idleSeconds: 10 };
      const { tickets, clock } = setup({ rules: { ...rules, sites: { internal: short, external: short } } });
      const { token } = await tickets.issue(alice, 'internal', 'forms');

      for (let elapsed = 0; elapsed < 60 * second; elapsed += 2 * second) {
        clock.advance(2 * second);
        await tickets.recordActivity(await tickets.validate(token, 'internal'));
      }

      clock.advance(10 * second - 1);
      await tickets.validate(token, 'internal');
      clock.advance(1);
      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
    });

    void test('activity never extends a ticket beyond its absolute expiry', async () => {
      const { tickets, clock, store } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');
      for (let elapsed = 0; elapsed < policy.lifetimeSeconds * second - 5 * minute; elapsed += 5 * minute) {
        clock.advance(5 * minute);
        await tickets.recordActivity(await tickets.validate(token, 'internal'));
      }

      const stored = store.records.get(record.ticketId);

      assert.equal(stored?.idleExpiresAt, record.expiresAt);
      clock.advance(5 * minute);
      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
    });
  });

  void describe('forged and malformed tokens', () => {
    void test('refuses a token signed with another key, even when its record exists', async () => {
      const store = new MemoryTicketStore();
      const { tickets } = setup({ store });
      const stranger = setup({ store, secret: 'y'.repeat(40) }).tickets;
      const { token } = await stranger.issue(alice, 'internal', 'forms');

      await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated);
    });

    void test('refuses a token whose payload was changed after signing', async () => {
      const { tickets } = setup();
      const { token } = await tickets.issue(alice, 'internal', 'forms');
      const [header, payload, signature] = token.split('.');
      const claims = decodePart(payload);
      const extended = { ...claims, exp: Number(claims.exp) + 365 * 24 * 3600 };
      const forged = [header, base64url(extended), signature].join('.');

      await assert.rejects(tickets.validate(forged, 'internal'), refusedAsUnauthenticated);
      assert.equal(await tickets.ticketIdOf(forged), undefined);
    });

    void test('refuses an unsigned alg "none" token naming a live ticket', async () => {
      const { tickets } = setup();
      const { token } = await tickets.issue(alice, 'internal', 'forms');
      const claims = decodePart(token.split('.')[1]);
      const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;

      await assert.rejects(tickets.validate(unsigned, 'internal'), refusedAsUnauthenticated);
      assert.equal(await tickets.ticketIdOf(unsigned), undefined);
    });

    void test('accepts a token re-signed with the right key and unchanged claims (control for the forgeries)', async () => {
      const { tickets } = setup();
      const { token, record } = await tickets.issue(alice, 'internal', 'forms');

      const resigned = await signedLike(token);

      assert.equal((await tickets.validate(resigned, 'internal')).ticketId, record.ticketId);
    });

    void test('refuses HS256 tokens keyed with the public key in any of its encodings (algorithm confusion)', async () => {
      const { tickets } = setup();
      const { token } = await tickets.issue(alice, 'internal', 'forms');
      const claims = decodePart(token.split('.')[1]);
      const { publicKey } = signingKeysFromSecret(secret);
      const spki = publicKey.export({ format: 'der', type: 'spki' });
      const encodings = {
        pem: publicKey.export({ format: 'pem', type: 'spki' }),
        spki,
        raw: spki.subarray(spki.length - 32),
        jwk: publicKey.export({ format: 'jwk' }).x ?? '',
      };

      for (const [name, bytes] of Object.entries(encodings)) {
        const forged = hs256(bytes, claims);

        await assert.rejects(tickets.validate(forged, 'internal'), refusedAsUnauthenticated, name);
        assert.equal(await tickets.ticketIdOf(forged), undefined, name);
      }
    });

    void test('refuses a correctly signed token that is not valid yet (nbf in the future)', async () => {
      const { tickets } = setup();
      const { token } = await tickets.issue(alice, 'internal', 'forms');

      const early = await signedLike(token, { nbf: Math.floor(start / 1000) + 60 });

      await assert.rejects(tickets.validate(early, 'internal'), refusedAsUnauthenticated);
    });

    void test('refuses a correctly signed token whose typ header is not JWT', async () => {
      const { tickets } = setup();
      const { token } = await tickets.issue(alice, 'internal', 'forms');

      for (const typ of ['at+jwt', 'JWS', 'JOSE', undefined]) {
        const retyped = await signedLike(token, {}, { typ });

        await assert.rejects(tickets.validate(retyped, 'internal'), refusedAsUnauthenticated, `typ ${typ}`);
      }
    });

    void test('refuses a correctly signed token from another issuer or for another audience', async () => {
      const { tickets } = setup();
      const { token } = await tickets.issue(alice, 'internal', 'forms');
      const variants = [
        { iss: 'someone-else' },
        { iss: undefined },
        { aud: 'web-communicator/admin' },
        { aud: ['someone-else'] },
        { aud: undefined },
      ];

      for (const claims of variants) {
        const foreign = await signedLike(token, claims);

        await assert.rejects(
          tickets.validate(foreign, 'internal'),
          refusedAsUnauthenticated,
          JSON.stringify(claims),
        );
      }
    });

    void test('refuses a correctly signed token without a ticket id (jti)', async () => {
      const { tickets } = setup();
      const { token } = await tickets.issue(alice, 'internal', 'forms');

      for (const jti of [undefined, '']) {
        const anonymous = await signedLike(token, { jti });

        await assert.rejects(tickets.validate(anonymous, 'internal'), refusedAsUnauthenticated, `jti ${jti}`);
      }
    });

    void test('refuses garbage with unauthenticated and nothing else', async () => {
      const { tickets } = setup();
      const garbage = [
        undefined,
        '',
        'abc',
        'a.b.c',
        '...',
        'a.b',
        `${base64url({ alg: 'EdDSA' })}.e30.`,
        `${base64url('not an object')}.${base64url(null)}.AAAA`,
        'x'.repeat(10_000),
      ];

      for (const token of garbage) {
        await assert.rejects(tickets.validate(token, 'internal'), refusedAsUnauthenticated, `token ${token}`);
      }
    });
  });

  void describe('ticket ids for sign-out', () => {
    void test('names the ticket of a valid token', async () => {
      const { tickets } = setup();
      const { token, record } = await tickets.issue(alice, 'external', 'forms');

      assert.equal(await tickets.ticketIdOf(token), record.ticketId);
    });

    void test('still names the ticket of an expired token, so sign-out can delete its record', async () => {
      const { tickets, clock } = setup();
      const { token, record } = await tickets.issue(alice, 'external', 'forms');

      clock.advance(policy.lifetimeSeconds * second + minute);

      await assert.rejects(tickets.validate(token, 'external'), refusedAsUnauthenticated);
      assert.equal(await tickets.ticketIdOf(token), record.ticketId);
    });

    void test('names nothing for a token signed with another key or for garbage', async () => {
      const { tickets } = setup();
      const stranger = setup({ secret: 'y'.repeat(40) }).tickets;
      const { token } = await stranger.issue(alice, 'external', 'forms');

      assert.equal(await tickets.ticketIdOf(token), undefined);
      assert.equal(await tickets.ticketIdOf(''), undefined);
      assert.equal(await tickets.ticketIdOf('a.b.c'), undefined);
    });
  });

  void describe('signing keys', () => {
    const previousSecret = 'p'.repeat(40);
    const nextSecret = 'n'.repeat(40);
    const ticketsWith = (keys: ReturnType<typeof keyRingFromSecrets>, store: TicketStore) =>
      new Tickets(store, keys, frozenClock(start), rules);

    void test('after a rotation signs with the new key and still accepts tickets of the previous one until they expire', async () => {
      const store = new MemoryTicketStore();
      const before = ticketsWith(keyRingFromSecrets(previousSecret, []), store);
      const { token: oldToken } = await before.issue(alice, 'internal', 'forms');

      const after = ticketsWith(keyRingFromSecrets(secret, [previousSecret]), store);
      const { token: newToken } = await after.issue(alice, 'internal', 'forms');

      assert.equal(decodePart(newToken.split('.')[0]).kid, signingKeysFromSecret(secret).kid);
      assert.equal((await after.validate(oldToken, 'internal')).sipUri, alice.sipUri);
      assert.equal((await after.validate(newToken, 'internal')).sipUri, alice.sipUri);
      const late = new Tickets(
        store,
        keyRingFromSecrets(secret, [previousSecret]),
        frozenClock(start + rules.sites.internal.lifetimeSeconds * 1000 + 1000),
        rules,
      );
      await assert.rejects(late.validate(oldToken, 'internal'), { code: 'unauthenticated' });
    });

    void test('accepts tickets of a staged next key before it signs, so no instance refuses them during a rotation', async () => {
      const store = new MemoryTicketStore();
      const staged = ticketsWith(keyRingFromSecrets(secret, [nextSecret]), store);
      const promoted = ticketsWith(keyRingFromSecrets(nextSecret, [secret]), store);
      const { token } = await promoted.issue(alice, 'external', 'forms');

      assert.equal((await staged.validate(token, 'external')).sipUri, alice.sipUri);
    });

    void test('refuses a ticket signed with a key that is no longer, or never was, accepted', async () => {
      const store = new MemoryTicketStore();
      const { token } = await ticketsWith(keyRingFromSecrets(previousSecret, []), store).issue(
        alice,
        'internal',
        'forms',
      );
      const rotatedTwice = ticketsWith(keyRingFromSecrets(nextSecret, [secret]), store);

      await assert.rejects(rotatedTwice.validate(token, 'internal'), { code: 'unauthenticated' });
      const forgedKid = await signedLike(
        (await ticketsWith(keyRingFromSecrets(secret, []), store).issue(alice, 'internal', 'forms')).token,
        {},
        { kid: signingKeysFromSecret(nextSecret).kid },
      );
      await assert.rejects(
        ticketsWith(keyRingFromSecrets(secret, [nextSecret]), store).validate(forgedKid, 'internal'),
        { code: 'unauthenticated' },
      );
    });

    void test('derives the same key id from the same secret and another from a different secret', () => {
      const first = signingKeysFromSecret(secret);
      const again = signingKeysFromSecret(secret);
      const other = signingKeysFromSecret('z'.repeat(40));

      assert.equal(first.kid, again.kid);
      assert.notEqual(first.kid, other.kid);
    });

    void test('ignores whitespace around the secret', () => {
      assert.equal(signingKeysFromSecret(`  ${secret}\n`).kid, signingKeysFromSecret(secret).kid);
    });

    void test('names the key in the token header', async () => {
      const { tickets } = setup();
      const { token } = await tickets.issue(alice, 'internal', 'forms');

      assert.deepEqual(decodePart(token.split('.')[0]), {
        alg: 'EdDSA',
        kid: signingKeysFromSecret(secret).kid,
        typ: 'JWT',
      });
    });

    void test('refuses a secret shorter than 32 characters', () => {
      assert.throws(() => signingKeysFromSecret('x'.repeat(31)), /too short/);
      assert.throws(() => signingKeysFromSecret(`${' '.repeat(20)}${'x'.repeat(20)}`), /too short/);
      assert.doesNotThrow(() => signingKeysFromSecret('x'.repeat(32)));
    });
  });
});

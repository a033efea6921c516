import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { frozenClock } from '../../functions/core/clock.ts';
import { AppError, type ErrorCode } from '../../functions/core/errors.ts';
import {
  DynamoFailureStore,
  type FailureRecord,
  type FailureStore,
} from '../../functions/core/regulation/failures-store.ts';
import { Regulator, type RegulationPolicy } from '../../functions/core/regulation/regulator.ts';
import { EmbeddedFailureStore } from '../../functions/embedded/failures-store.ts';
import { implementations, useBackend, type StoreBackend } from './support/implementations.ts';

/** Sign-in regulation over each failure store: the counting is only as atomic as the store's writes. */

const policy: RegulationPolicy = {
  maxFailures: 5,
  maxFailuresPerAddress: 20,
  findTimeSeconds: 120,
  banTimeSeconds: 300,
};
const start = Date.UTC(2026, 0, 1);
const embeddedTable = 'signInFailures';

function failuresOf(backend: StoreBackend): FailureStore {
  if (backend.dynamo)
    return new DynamoFailureStore(backend.dynamo.client, backend.dynamo.tableNames.signInFailures);
  if (!backend.embedded) throw new Error('no backend');
  return new EmbeddedFailureStore(backend.embedded, embeddedTable);
}

/** The stored record, read past the store (as an operator would look). */
async function recordOf(backend: StoreBackend, key: string): Promise<FailureRecord | undefined> {
  if (backend.dynamo) {
    const result = await backend.dynamo.client.send(
      new GetCommand({
        TableName: backend.dynamo.tableNames.signInFailures,
        Key: { key },
        ConsistentRead: true,
      }),
    );
    return result.Item as FailureRecord | undefined;
  }
  return backend.embedded?.table<FailureRecord>(embeddedTable).get(key);
}

const codeOf = (err: unknown): ErrorCode | 'other' => (err instanceof AppError ? err.code : 'other');

/** Runs `attempt`, answering its outcome: 'ok' or the error code. */
async function outcome(attempt: Promise<unknown>): Promise<ErrorCode | 'ok' | 'other'> {
  try {
    await attempt;
    return 'ok';
  } catch (err) {
    return codeOf(err);
  }
}

const tally = (outcomes: readonly string[]) =>
  Object.fromEntries([...new Set(outcomes)].sort().map((o) => [o, outcomes.filter((x) => x === o).length]));

/** A credential check that takes a while (as a password hash does) and then finds the password wrong. */
const wrongPassword = (checked: { count: number }) => async () => {
  checked.count++;
  await sleep(20);
  throw new AppError('invalid_credentials', 'wrong');
};
const rightPassword = async () => 'signed in';

const ttlOf = (now: number) => Math.ceil((now + 360_000) / 1000);

for (const impl of implementations) {
  describe(`the failure store (${impl.name})`, () => {
    const backend = useBackend(impl);
    const failures = () => failuresOf(backend);
    const regulatorAt = (clock = frozenClock(start)) => ({
      clock,
      regulator: new Regulator(failures(), clock, policy),
    });

    describe('its conditional writes', () => {
      it('starts a new key at now, then counts each of 50 parallel attempts once', async () => {
        const store = failures();
        const after = start - 120_000;

        const records = await Promise.all(
          Array.from({ length: 50 }, () =>
            store.addToWindow('account:parallel-add', start, after, ttlOf(start)),
          ),
        );

        assert.deepEqual(
          records.map((r) => r?.failures).sort((a = 0, b = 0) => a - b),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
        assert.deepEqual(await recordOf(backend, 'account:parallel-add'), {
          key: 'account:parallel-add',
          windowStart: start,
          failures: 50,
          lockedUntil: 0,
          ttl: ttlOf(start),
        });
      });

      it('adds to a current window only, keeping its start and TTL', async () => {
        const store = failures();
        await store.addToWindow('account:window', start, start - 120_000, ttlOf(start));
        const later = start + 60_000;

        const added = await store.addToWindow('account:window', later, later - 120_000, ttlOf(later));

        assert.deepEqual(added, {
          key: 'account:window',
          windowStart: start,
          failures: 2,
          lockedUntil: 0,
          ttl: ttlOf(start),
        });
        const muchLater = start + 200_000;
        assert.equal(
          await store.addToWindow('account:window', muchLater, muchLater - 120_000, ttlOf(muchLater)),
          undefined,
        );
        // A window that started exactly at the bound is over.
        assert.equal(await store.addToWindow('account:window', later, start, ttlOf(later)), undefined);
      });

      it('starts a new window only over an old one, keeping a running lock; one of parallel starts wins', async () => {
        const store = failures();
        const key = 'account:restart-window';
        await store.addToWindow(key, start, start - 120_000, ttlOf(start));
        await store.lock(key, start + 300_000, ttlOf(start));
        const later = start + 150_000;

        assert.equal(
          await store.startWindow(key, later, start - 1, ttlOf(later)),
          undefined,
          'window current',
        );
        const started = await Promise.all(
          Array.from({ length: 10 }, () => store.startWindow(key, later, later - 120_000, ttlOf(later))),
        );

        assert.deepEqual(
          started.filter((r) => r !== undefined),
          [{ key, windowStart: later, failures: 1, lockedUntil: start + 300_000, ttl: ttlOf(later) }],
        );
        assert.equal(await store.startWindow('account:never-seen', later, later, ttlOf(later)), undefined);
        assert.equal(await recordOf(backend, 'account:never-seen'), undefined);
      });

      it('gives a reservation back to the window it was taken in only, never below zero', async () => {
        const store = failures();
        const key = 'account:subtract';
        await store.addToWindow(key, start, start - 120_000, ttlOf(start));

        await store.subtract(key, start - 1);
        assert.equal((await recordOf(backend, key))?.failures, 1, 'another window');
        await store.subtract(key, start);
        await store.subtract(key, start);
        assert.equal((await recordOf(backend, key))?.failures, 0);
        await store.subtract('account:no-record', start);
        assert.equal(await recordOf(backend, 'account:no-record'), undefined);
      });

      it('locks a counted key, leaving a longer lock as it is', async () => {
        const store = failures();
        const key = 'account:lock';
        await store.addToWindow(key, start, start - 120_000, ttlOf(start));

        await store.lock(key, start + 300_000, ttlOf(start) + 10);
        await store.lock(key, start + 100_000, ttlOf(start) + 20);

        const record = await recordOf(backend, key);
        assert.equal(record?.lockedUntil, start + 300_000);
        assert.equal(record?.ttl, ttlOf(start) + 10);
        await store.lock('account:lock-nothing', start + 300_000, ttlOf(start));
        assert.equal(await recordOf(backend, 'account:lock-nothing'), undefined);
      });
    });

    describe('under the regulator', () => {
      it('lets exactly maxFailures of 50 parallel wrong guesses at one account reach the password check, then locks it', async () => {
        const { regulator } = regulatorAt();
        const checked = { count: 0 };
        const outcomes = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            outcome(
              regulator.regulated(
                { account: 'CONTOSO\\parallel', sourceAddress: `198.51.100.${i + 1}` },
                wrongPassword(checked),
              ),
            ),
          ),
        );
        // Each count from 1 to the limit goes to exactly one guess: the limit is reached, never passed.
        assert.equal(checked.count, policy.maxFailures);
        assert.deepEqual(tally(outcomes), {
          invalid_credentials: checked.count,
          too_many_attempts: 50 - checked.count,
        });
        // Every guess that was checked is counted (none lost); the refused ones gave theirs back.
        assert.equal((await recordOf(backend, 'account:contoso\\parallel'))?.failures, checked.count);
        // Locked now, even for the right password.
        assert.equal(
          await outcome(
            regulator.regulated(
              { account: 'CONTOSO\\parallel', sourceAddress: '198.51.100.200' },
              rightPassword,
            ),
          ),
          'too_many_attempts',
        );
      });

      it('after a burst of parallel guesses the account is locked for the ban time, with Retry-After', async () => {
        const { regulator } = regulatorAt();
        const checked = { count: 0 };
        const account = 'CONTOSO\\burst';
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            outcome(
              regulator.regulated({ account, sourceAddress: `203.0.113.${i + 1}` }, wrongPassword(checked)),
            ),
          ),
        );
        while (checked.count < policy.maxFailures) {
          const before = checked.count;
          await outcome(
            regulator.regulated({ account, sourceAddress: '203.0.113.100' }, wrongPassword(checked)),
          );
          assert.equal(checked.count, before + 1);
        }
        assert.equal(checked.count, policy.maxFailures);
        const locked = await regulator
          .regulated({ account, sourceAddress: '203.0.113.101' }, rightPassword)
          .then(
            () => undefined,
            (err: unknown) => err,
          );
        assert.equal(codeOf(locked), 'too_many_attempts');
        const retryAfter = Number((locked as AppError).details.retryAfter);
        assert.ok(
          retryAfter > policy.findTimeSeconds && retryAfter <= policy.banTimeSeconds,
          `${retryAfter}`,
        );
        assert.ok(((await recordOf(backend, 'account:contoso\\burst'))?.lockedUntil ?? 0) > start);
      });

      it('counts parallel guesses from one address (one IPv6 /64) at many accounts against the address allowance', async () => {
        const { regulator } = regulatorAt();
        const checked = { count: 0 };
        const outcomes = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            outcome(
              regulator.regulated(
                { account: `CONTOSO\\spray${i}`, sourceAddress: `2001:db8:aa:bb::${(i + 1).toString(16)}` },
                wrongPassword(checked),
              ),
            ),
          ),
        );
        assert.equal(checked.count, policy.maxFailuresPerAddress);
        assert.equal(tally(outcomes).too_many_attempts, 60 - checked.count);
        // Another address in the same /64 is refused too.
        assert.equal(
          await outcome(
            regulator.regulated(
              { account: 'CONTOSO\\other', sourceAddress: '2001:db8:aa:bb:ffff::1' },
              rightPassword,
            ),
          ),
          'too_many_attempts',
        );
      });

      it('a successful sign-in gives its reservation back: many in a row never lock', async () => {
        const { regulator } = regulatorAt();
        const keys = { account: 'CONTOSO\\regular', sourceAddress: '192.0.2.50' };
        for (let i = 0; i < policy.maxFailures * 3; i++) {
          assert.equal(await regulator.regulated(keys, rightPassword), 'signed in');
        }
        assert.equal((await recordOf(backend, 'account:contoso\\regular'))?.failures, 0);
        assert.equal((await recordOf(backend, 'address:192.0.2.50'))?.failures, 0);
        // Failures just short of the limit, with successes between them, still leave the last try.
        const checked = { count: 0 };
        for (let i = 0; i < policy.maxFailures - 1; i++) {
          assert.equal(
            await outcome(regulator.regulated(keys, wrongPassword(checked))),
            'invalid_credentials',
          );
          assert.equal(await regulator.regulated(keys, rightPassword), 'signed in');
        }
        assert.equal((await recordOf(backend, 'account:contoso\\regular'))?.failures, policy.maxFailures - 1);
      });

      it('refusals that are not about the credential (directory outage, disabled user) count nothing', async () => {
        const { regulator } = regulatorAt();
        const keys = { account: 'CONTOSO\\outage', sourceAddress: '192.0.2.60' };
        const refusing = (code: ErrorCode) => async () => {
          throw new AppError(code, code);
        };
        for (let i = 0; i < policy.maxFailures * 2; i++) {
          assert.equal(
            await outcome(regulator.regulated(keys, refusing('directory_unavailable'))),
            'directory_unavailable',
          );
          assert.equal(await outcome(regulator.regulated(keys, refusing('user_disabled'))), 'user_disabled');
        }
        assert.equal((await recordOf(backend, 'account:contoso\\outage'))?.failures, 0);
        assert.equal(await regulator.regulated(keys, rightPassword), 'signed in');
      });

      it('a new window does not end a running lock; the lock ends on time and counting starts afresh', async () => {
        const { regulator, clock } = regulatorAt(frozenClock(start));
        const keys = { account: 'CONTOSO\\banned', sourceAddress: '192.0.2.90' };
        const checked = { count: 0 };
        for (let i = 0; i < policy.maxFailures; i++) {
          await outcome(regulator.regulated(keys, wrongPassword(checked)));
        }
        // The window (120 s) is over, the ban (300 s) is not.
        clock.advance((policy.findTimeSeconds + 30) * 1000);
        assert.equal(await outcome(regulator.regulated(keys, rightPassword)), 'too_many_attempts');
        assert.equal(await outcome(regulator.regulated(keys, rightPassword)), 'too_many_attempts');
        clock.advance((policy.banTimeSeconds - policy.findTimeSeconds - 30) * 1000 + 1);
        assert.equal(await regulator.regulated(keys, rightPassword), 'signed in');
        assert.equal(await outcome(regulator.regulated(keys, wrongPassword(checked))), 'invalid_credentials');
        assert.equal(checked.count, policy.maxFailures + 1);
      });

      it('failures outside the window are forgotten', async () => {
        const { regulator, clock } = regulatorAt(frozenClock(start));
        const keys = { account: 'CONTOSO\\slow', sourceAddress: '192.0.2.95' };
        const checked = { count: 0 };
        for (let i = 0; i < policy.maxFailures * 2; i++) {
          assert.equal(
            await outcome(regulator.regulated(keys, wrongPassword(checked))),
            'invalid_credentials',
          );
          clock.advance((policy.findTimeSeconds / 2) * 1000);
        }
      });
    });

    if (impl.name === 'embedded') {
      it('keeps a lock and the counts across a restart: restarting lifts no ban', async () => {
        const clock = frozenClock(start);
        const before = new Regulator(failures(), clock, policy);
        const checked = { count: 0 };
        const locked = { account: 'CONTOSO\\restart-locked', sourceAddress: '192.0.2.110' };
        const counted = { account: 'CONTOSO\\restart-counted', sourceAddress: '192.0.2.111' };
        for (let i = 0; i < policy.maxFailures; i++) {
          await outcome(before.regulated(locked, wrongPassword(checked)));
        }
        for (let i = 0; i < policy.maxFailures - 1; i++) {
          await outcome(before.regulated(counted, wrongPassword(checked)));
        }

        const restart = backend.restart;
        assert.ok(restart);
        await restart();
        const after = new Regulator(failures(), clock, policy);

        assert.equal(await outcome(after.regulated(locked, rightPassword)), 'too_many_attempts');
        assert.equal(await outcome(after.regulated(counted, wrongPassword(checked))), 'invalid_credentials');
        assert.equal(await outcome(after.regulated(counted, rightPassword)), 'too_many_attempts');
      });

      it('sweeps the records whose TTL has passed, and no other', async () => {
        const store = new EmbeddedFailureStore(backend.embedded ?? assert.fail(), embeddedTable);
        const far = start + 10 * 86_400_000;
        await store.addToWindow('account:sweep-old', start, start - 120_000, ttlOf(start));
        await store.addToWindow('account:sweep-new', far, far - 120_000, ttlOf(far));
        await store.lock('account:sweep-new', far + 300_000, ttlOf(far));

        const removed = await store.sweepExpired(ttlOf(start) + 1);

        assert.ok(removed >= 1);
        assert.equal(await recordOf(backend, 'account:sweep-old'), undefined);
        assert.equal((await recordOf(backend, 'account:sweep-new'))?.lockedUntil, far + 300_000);
        // A key whose record was swept starts afresh.
        assert.equal(
          (await store.addToWindow('account:sweep-old', far, far - 120_000, ttlOf(far)))?.failures,
          1,
        );
      });
    }
  });
}

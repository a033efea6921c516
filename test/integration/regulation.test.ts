import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { frozenClock } from '../../functions/core/clock.ts';
import { AppError, type ErrorCode } from '../../functions/core/errors.ts';
import { DynamoFailureStore } from '../../functions/core/regulation/failures-store.ts';
import { Regulator, type RegulationPolicy } from '../../functions/core/regulation/regulator.ts';
import { useLocalDynamo } from './support/local-dynamo.ts';

/** The regulator over a real (local) DynamoDB: the counting is only as atomic as its writes. */

const local = useLocalDynamo('regulation');
const policy: RegulationPolicy = {
  maxFailures: 5,
  maxFailuresPerAddress: 20,
  findTimeSeconds: 120,
  banTimeSeconds: 300,
};
const start = Date.UTC(2026, 0, 1);

const regulatorAt = (clock = frozenClock(start), overrides: Partial<RegulationPolicy> = {}) => ({
  clock,
  regulator: new Regulator(new DynamoFailureStore(local.db, local.dynamo.tableNames.signInFailures), clock, {
    ...policy,
    ...overrides,
  }),
});

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

async function recordOf(key: string) {
  const result = await local.db.send(
    new GetCommand({ TableName: local.dynamo.tableNames.signInFailures, Key: { key }, ConsistentRead: true }),
  );
  return result.Item as { failures: number; lockedUntil: number } | undefined;
}

/** A credential check that takes a while (as a password hash does) and then finds the password wrong. */
const wrongPassword = (checked: { count: number }) => async () => {
  checked.count++;
  await sleep(20);
  throw new AppError('invalid_credentials', 'wrong');
};
const rightPassword = async () => 'signed in';

describe('the regulator over DynamoDB', () => {
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
    assert.equal((await recordOf('account:contoso\\parallel'))?.failures, checked.count);
    // Locked now, even for the right password.
    assert.equal(
      await outcome(
        regulator.regulated({ account: 'CONTOSO\\parallel', sourceAddress: '198.51.100.200' }, rightPassword),
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
      await outcome(regulator.regulated({ account, sourceAddress: '203.0.113.100' }, wrongPassword(checked)));
      assert.equal(checked.count, before + 1);
    }
    assert.equal(checked.count, policy.maxFailures);
    const locked = await regulator.regulated({ account, sourceAddress: '203.0.113.101' }, rightPassword).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.equal(codeOf(locked), 'too_many_attempts');
    const retryAfter = Number((locked as AppError).details.retryAfter);
    assert.ok(retryAfter > policy.findTimeSeconds && retryAfter <= policy.banTimeSeconds, `${retryAfter}`);
    assert.ok(((await recordOf('account:contoso\\burst'))?.lockedUntil ?? 0) > start);
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
    assert.equal((await recordOf('account:contoso\\regular'))?.failures, 0);
    assert.equal((await recordOf('address:192.0.2.50'))?.failures, 0);
    // Failures just short of the limit, with successes between them, still leave the last try.
    const checked = { count: 0 };
    for (let i = 0; i < policy.maxFailures - 1; i++) {
      assert.equal(await outcome(regulator.regulated(keys, wrongPassword(checked))), 'invalid_credentials');
      assert.equal(await regulator.regulated(keys, rightPassword), 'signed in');
    }
    assert.equal((await recordOf('account:contoso\\regular'))?.failures, policy.maxFailures - 1);
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
      assert.equal(
        await outcome(
          regulator.regulated(keys, async () => {
            throw new Error('the directory connection reset');
          }),
        ),
        'other',
      );
    }
    assert.equal((await recordOf('account:contoso\\outage'))?.failures, 0);
    assert.equal(await regulator.regulated(keys, rightPassword), 'signed in');
  });

  it('spellings of one account share its allowance', async () => {
    const { regulator } = regulatorAt();
    const checked = { count: 0 };
    const spellings = [
      'CONTOSO\\spelt',
      ' contoso\\spelt ',
      'CONTOSO\\ Spelt',
      'Contoso \\SPELT',
      'ＣＯＮＴＯＳＯ\\spelt',
    ];
    for (const [i, account] of spellings.entries()) {
      await outcome(
        regulator.regulated({ account, sourceAddress: `192.0.2.${70 + i}` }, wrongPassword(checked)),
      );
    }
    assert.equal(
      await outcome(
        regulator.regulated({ account: 'contoso\\spelt', sourceAddress: '192.0.2.80' }, rightPassword),
      ),
      'too_many_attempts',
    );
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
      assert.equal(await outcome(regulator.regulated(keys, wrongPassword(checked))), 'invalid_credentials');
      clock.advance((policy.findTimeSeconds / 2) * 1000);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** A credential check that takes a while (as a password hash does) and then finds the password wrong. */
const wrongPassword = (checked: { count: number }) => async () => {
  checked.count++;
  await sleep(20);
  throw new AppError('invalid_credentials', 'wrong');
};
const rightPassword = async () => 'signed in';

// The regulator's other checks run against both stores in test/stores/regulation.test.ts.
describe('the regulator over DynamoDB', () => {
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
});

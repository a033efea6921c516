import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import { AppError } from '../../functions/core/errors.ts';
import type { FailureRecord, FailureStore } from '../../functions/core/regulation/failures-store.ts';
import { accountKey, addressKey, Regulator } from '../../functions/core/regulation/regulator.ts';

const policy = { maxFailures: 3, maxFailuresPerAddress: 10, findTimeSeconds: 120, banTimeSeconds: 300 };
const keys = { account: 'CONTOSO\\alice', sourceAddress: '192.0.2.7' };

describe('regulation keys', () => {
  it('spellings of one account share one key: case, outer and repeated spaces, compatibility forms', () => {
    const expected = 'contoso\\alice smith';
    for (const spelling of [
      'CONTOSO\\alice smith',
      'contoso\\Alice Smith',
      ' contoso\\alice smith ',
      'CONTOSO\\ alice  smith',
      'CONTOSO \\alice\tsmith',
      '\u00a0CONTOSO\\alice\u3000smith',
      'ＣＯＮＴＯＳＯ\\ａｌｉｃｅ smith',
    ]) {
      assert.equal(accountKey(spelling), expected, JSON.stringify(spelling));
    }
    assert.notEqual(accountKey('CONTOSO\\alicesmith'), expected);
    assert.equal(accountKey('  Alice  '), 'alice');
  });

  it('IPv4 addresses are kept as they are', () => {
    assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey(' 192.0.2.7 '), '192.0.2.7');
  });

  it('IPv6 addresses count by their /64', () => {
    const key = '2001:db8:1:2::/64';
    for (const address of [
      '2001:db8:1:2::1',
      '2001:0DB8:0001:0002:ffff:ffff:ffff:ffff',
      '2001:db8:1:2:a:b:c:d',
      '[2001:db8:1:2::5]',
      '2001:db8:1:2::1%eth0',
    ]) {
      assert.equal(addressKey(address), key, address);
    }
    assert.notEqual(addressKey('2001:db8:1:3::1'), key);
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('2001:db8::'), '2001:db8:0:0::/64');
    assert.equal(addressKey('2001:db8::1.2.3.4'), '2001:db8:0:0::/64');
  });

  it('IPv4-mapped IPv6 addresses count as the IPv4 address', () => {
    assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('::FFFF:c000:0207'), '192.0.2.7');
    assert.equal(addressKey('0:0:0:0:0:ffff:192.0.2.7'), '192.0.2.7');
  });

  it('anything else is kept (trimmed), never an error', () => {
    assert.equal(addressKey('unknown'), 'unknown');
    assert.equal(addressKey(''), '');
  });
});

/** A store where every conditional write loses its race. */
class ContendedStore implements FailureStore {
  writes = 0;
  addToWindow(): Promise<FailureRecord | undefined> {
    this.writes++;
    return Promise.resolve(undefined);
  }
  startWindow(): Promise<FailureRecord | undefined> {
    this.writes++;
    return Promise.resolve(undefined);
  }
  subtract(): Promise<void> {
    return Promise.resolve();
  }
  lock(): Promise<void> {
    return Promise.resolve();
  }
}

describe('the regulator under contention', () => {
  it('refuses (too_many_attempts) after bounded retries instead of letting an uncounted attempt through', async () => {
    const store = new ContendedStore();
    const regulator = new Regulator(store, frozenClock(Date.UTC(2026, 0, 1)), policy);
    let checked = 0;
    await assert.rejects(
      regulator.regulated(keys, async () => {
        checked++;
      }),
      (err: unknown) =>
        err instanceof AppError && err.code === 'too_many_attempts' && err.details.retryAfter === '1',
    );
    assert.equal(checked, 0);
    // 3 rounds of (add, start window) for each of the two keys.
    assert.equal(store.writes, 12);
  });
});

import { isIPv4, isIPv6 } from 'node:net';
import type { Clock } from '../clock.ts';
import { AppError, type ErrorCode } from '../errors.ts';
import type { FailureRecord, FailureStore } from './failures-store.ts';

/**
 * Brute-force regulation in the manner of Authelia: `maxFailures` failed sign-ins within
 * `findTimeSeconds` lock the key for `banTimeSeconds`. Accounts and source addresses are counted
 * separately; an address gets a larger allowance since many people may share one.
 */
export interface RegulationPolicy {
  readonly maxFailures: number;
  readonly maxFailuresPerAddress: number;
  readonly findTimeSeconds: number;
  readonly banTimeSeconds: number;
}

export interface RegulatedKeys {
  /** `DOMAIN\username` as typed, whether or not the account exists (normalised here: see `accountKey`). */
  readonly account: string;
  readonly sourceAddress: string;
}

/**
 * The refusals that mean "this credential was wrong": they keep the attempt's reservation as a
 * counted failure. Every other outcome (success, `user_disabled`, `directory_unavailable`, …)
 * gives it back.
 */
export const credentialFailures: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_credentials',
  'second_factor_invalid',
  'second_factor_reused',
]);

/** One regulated sign-in attempt, reserved (counted) before its credential is checked. */
export interface RegulatedAttempt {
  /** The credential was wrong: the reservation stays as a failure, and locks a key whose limit it reached. */
  failed(): Promise<void>;
  /** Not a credential failure (success, or a refusal for another reason): gives the reservation back. */
  release(): Promise<void>;
}

const tooManyAttempts = (retryAfterSeconds: number) =>
  new AppError('too_many_attempts', 'Too many failed sign-ins. Wait a few minutes and try again.', {
    retryAfter: String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });

/** Rounds of add / start-window before a key under contention is refused (fail closed). */
const reserveRounds = 3;

interface Reservation {
  readonly key: string;
  readonly limit: number;
  readonly record: FailureRecord;
}

export class Regulator {
  constructor(
    private readonly store: FailureStore,
    private readonly clock: Clock,
    private readonly policy: RegulationPolicy,
  ) {}

  /**
   * Runs `check` (the credential check) as one regulated attempt: refused with `too_many_attempts`
   * before it runs when the account or the address is locked or has used its allowance. A throw of
   * one of `credentialFailures` counts as a failure; a result, or any other throw, does not.
   */
  async regulated<T>(keys: RegulatedKeys, check: () => Promise<T>): Promise<T> {
    const attempt = await this.begin(keys);
    let result: T;
    try {
      result = await check();
    } catch (err) {
      if (err instanceof AppError && credentialFailures.has(err.code)) {
        await attempt.failed();
      } else {
        // The check's own error is the answer; a reservation left behind only errs on the safe side.
        await attempt.release().catch(() => undefined);
      }
      throw err;
    }
    await attempt.release();
    return result;
  }

  /**
   * Reserves an attempt on the account and the address: one atomic count per key, before the
   * credential is checked, so parallel attempts cannot all pass a check that only reads. Throws
   * `too_many_attempts` (with the seconds to wait) when a key is locked, its count is over its
   * allowance, or it stays contended; the refused reservations are given back.
   */
  async begin(keys: RegulatedKeys): Promise<RegulatedAttempt> {
    const now = this.clock.now();
    const wanted = [
      { key: `account:${accountKey(keys.account)}`, limit: this.policy.maxFailures },
      { key: `address:${addressKey(keys.sourceAddress)}`, limit: this.policy.maxFailuresPerAddress },
    ];
    const settled = await Promise.allSettled(
      wanted.map(async ({ key, limit }): Promise<Reservation> => ({
        key,
        limit,
        record: await this.reserve(key, now),
      })),
    );
    const held = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure) {
      await this.giveBack(held).catch(() => undefined);
      throw failure.reason;
    }
    const waitMs = Math.max(0, ...held.map(({ limit, record }) => this.refusalMs(record, limit, now)));
    if (waitMs > 0) {
      await this.giveBack(held).catch(() => undefined);
      throw tooManyAttempts(waitMs / 1000);
    }
    let settledOnce = false;
    const once = (settle: () => Promise<void>) => async () => {
      if (settledOnce) return;
      settledOnce = true;
      await settle();
    };
    return {
      failed: once(() => this.lockAtLimit(held)),
      release: once(() => this.giveBack(held)),
    };
  }

  /**
   * How long this key refuses (0 = allowed): the rest of its lock; or, when its count is over the
   * allowance without a lock, a second: that count includes attempts still being checked, which
   * soon either lock the key (their failures reach the limit) or give their reservations back.
   */
  private refusalMs(record: FailureRecord, limit: number, now: number): number {
    if (record.lockedUntil > now) return record.lockedUntil - now;
    return record.failures > limit ? 1000 : 0;
  }

  /** Counts one attempt on `key` in its current window, or in a new one when that has ended. */
  private async reserve(key: string, now: number): Promise<FailureRecord> {
    const windowStartAfter = now - this.policy.findTimeSeconds * 1000;
    const ttl = this.ttlFrom(now);
    for (let round = 0; round < reserveRounds; round++) {
      const added = await this.store.addToWindow(key, now, windowStartAfter, ttl);
      if (added) return added;
      const started = await this.store.startWindow(key, now, windowStartAfter, ttl);
      if (started) return started;
    }
    // Each round lost a race with another attempt on this key: refuse rather than let one through uncounted.
    throw tooManyAttempts(1);
  }

  /** A failure whose reservation brought a key to its limit locks that key (a longer lock stays). */
  private async lockAtLimit(held: readonly Reservation[]): Promise<void> {
    const now = this.clock.now();
    const until = now + this.policy.banTimeSeconds * 1000;
    await Promise.all(
      held
        .filter(({ limit, record }) => record.failures >= limit)
        .map(({ key }) => this.store.lock(key, until, this.ttlFrom(now))),
    );
  }

  private async giveBack(held: readonly Reservation[]): Promise<void> {
    await Promise.all(held.map(({ key, record }) => this.store.subtract(key, record.windowStart)));
  }

  /** Outlives both a window and a lock begun at `now` or before (so expiry never ends a running lock). */
  private ttlFrom(now: number): number {
    const { findTimeSeconds, banTimeSeconds } = this.policy;
    return Math.ceil((now + Math.max(findTimeSeconds, banTimeSeconds) * 1000 + 60_000) / 1000);
  }
}

const loose = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The account part of a key: `domain\username` compared as the directory compares names (LDAP
 * equality ignores case and leading, trailing and repeated spaces), so spellings of one account
 * share one allowance. NFKC first, so compatibility forms (full-width letters) fold too.
 */
export function accountKey(account: string): string {
  const text = account.normalize('NFKC');
  const slash = text.indexOf('\\');
  return slash < 0 ? loose(text) : `${loose(text.slice(0, slash))}\\${loose(text.slice(slash + 1))}`;
}

/**
 * The address part of a key: an IPv4 address as it is; an IPv6 address by its /64 (one subscriber
 * commonly holds a whole /64, so counting each address would multiply the allowance); an
 * IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address.
 */
export function addressKey(address: string): string {
  const text = address.trim().toLowerCase();
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return text;
  const groups = ipv6Groups(bare);
  const [, , , , , mapped = 0, high = 0, low = 0] = groups;
  if (groups.slice(0, 5).every((g) => g === 0) && mapped === 0xffff) {
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [head = '', tail] = text.split('::');
  if (tail === undefined) return parse(head);
  const first = parse(head);
  const last = parse(tail);
  return [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last];
}

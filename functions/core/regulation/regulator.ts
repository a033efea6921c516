import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
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
  /** `DOMAIN\username` as typed (normalised), whether or not the account exists. */
  readonly account: string;
  readonly sourceAddress: string;
}

const keysOf = (keys: RegulatedKeys) => [
  { key: `account:${keys.account.toLowerCase()}`, kind: 'account' as const },
  { key: `address:${keys.sourceAddress}`, kind: 'address' as const },
];

export class Regulator {
  constructor(
    private readonly store: FailureStore,
    private readonly clock: Clock,
    private readonly policy: RegulationPolicy,
  ) {}

  /** Throws `too_many_attempts` (with the seconds to wait) while the account or the address is locked. */
  async assertAllowed(keys: RegulatedKeys): Promise<void> {
    const now = this.clock.now();
    const records = await this.store.getMany(keysOf(keys).map(({ key }) => key));
    const lockedUntil = Math.max(0, ...records.map((r) => r.lockedUntil));
    if (lockedUntil > now) {
      throw new AppError('too_many_attempts', 'Too many failed sign-ins. Wait a few minutes and try again.', {
        retryAfter: String(Math.ceil((lockedUntil - now) / 1000)),
      });
    }
  }

  /** Counts one failed sign-in against the account and the address. */
  async recordFailure(keys: RegulatedKeys): Promise<void> {
    await Promise.all(
      keysOf(keys).map(({ key, kind }) =>
        this.count(key, kind === 'account' ? this.policy.maxFailures : this.policy.maxFailuresPerAddress),
      ),
    );
  }

  private async count(key: string, maxFailures: number): Promise<void> {
    const { findTimeSeconds, banTimeSeconds } = this.policy;
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.clock.now();
      const previous = await this.store.get(key);
      const inWindow = previous && now - previous.windowStart < findTimeSeconds * 1000;
      const failures = inWindow ? previous.failures + 1 : 1;
      const lockedUntil =
        failures >= maxFailures ? now + banTimeSeconds * 1000 : inWindow ? previous.lockedUntil : 0;
      const next: FailureRecord = {
        key,
        windowStart: inWindow ? previous.windowStart : now,
        failures,
        lockedUntil,
        ttl: Math.ceil((Math.max(lockedUntil, now + findTimeSeconds * 1000) + 60_000) / 1000),
      };
      if (await this.store.replace(next, previous)) return;
    }
  }
}

import type { FailureRecord, FailureStore } from '../core/regulation/failures-store.ts';
import { coherentTable, type CoherentTable } from './coherent-table.ts';
import type { EmbeddedDatabase } from './database.ts';
import { sweepTable, type ExpiringStore } from './expiry.ts';

/** A stored record; a field can be missing only in a record this store did not write. */
type Item = { readonly key: string } & Partial<Omit<FailureRecord, 'key'>>;

/**
 * Sign-in failure counts and locks of the embedded mode, persisted in LMDB so a restart neither
 * lifts a lock nor forgets a count. Each operation reads, checks its condition and writes in one
 * synchronous step (the conditions of `DynamoFailureStore`'s updates), so parallel attempts each
 * get their own count; it resolves once the write is committed.
 */
export class EmbeddedFailureStore implements FailureStore, ExpiringStore {
  private readonly table: CoherentTable<Item>;

  constructor(db: EmbeddedDatabase, tableName: string) {
    this.table = coherentTable<Item>(db, tableName);
  }

  addToWindow(
    key: string,
    now: number,
    windowStartAfter: number,
    ttl: number,
  ): Promise<FailureRecord | undefined> {
    const stored = this.table.get(key);
    // As DynamoDB compares: a missing windowStart is not greater than anything.
    if (stored && !(stored.windowStart !== undefined && stored.windowStart > windowStartAfter)) {
      return Promise.resolve(undefined);
    }
    return this.write({
      ...stored,
      key,
      failures: (stored?.failures ?? 0) + 1,
      windowStart: stored?.windowStart ?? now,
      lockedUntil: stored?.lockedUntil ?? 0,
      ttl: stored?.ttl ?? ttl,
    });
  }

  startWindow(
    key: string,
    now: number,
    windowStartAfter: number,
    ttl: number,
  ): Promise<FailureRecord | undefined> {
    const stored = this.table.get(key);
    // A record without a window (not one this store makes) is replaced too.
    if (!stored || (stored.windowStart !== undefined && stored.windowStart > windowStartAfter)) {
      return Promise.resolve(undefined);
    }
    return this.write({
      ...stored,
      windowStart: now,
      failures: 1,
      lockedUntil: stored.lockedUntil ?? 0,
      ttl,
    });
  }

  async subtract(key: string, windowStart: number): Promise<void> {
    const stored = this.table.get(key);
    if (stored?.windowStart !== windowStart || stored.failures === undefined || stored.failures <= 0) return;
    await this.write({ ...stored, failures: stored.failures - 1 });
  }

  async lock(key: string, until: number, ttl: number): Promise<void> {
    const stored = this.table.get(key);
    if (!stored || (stored.lockedUntil !== undefined && stored.lockedUntil >= until)) return;
    await this.write({ ...stored, lockedUntil: until, ttl });
  }

  sweepExpired(nowSeconds: number): Promise<number> {
    return sweepTable(this.table, nowSeconds);
  }

  /** Writes the record (seen by reads at once); answers it as written, once committed. */
  private async write(record: Item): Promise<FailureRecord> {
    await this.table.put(record.key, record);
    return { ...record } as FailureRecord;
  }
}

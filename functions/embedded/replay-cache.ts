import type { ReplayCache } from '../core/kerberos/replay-cache.ts';
import { coherentTable, type CoherentTable } from './coherent-table.ts';
import type { EmbeddedDatabase } from './database.ts';
import { sweepTable, type ExpiringStore } from './expiry.ts';

interface Item {
  readonly expiresAt: number;
  readonly ttl: number;
}

/**
 * Authenticators (Kerberos) or assertions already accepted, in the embedded mode: persisted in LMDB,
 * so one used before a restart stays used after it. Checking and recording are one step, so of two
 * parallel uses exactly one is remembered first.
 */
export class EmbeddedReplayCache implements ReplayCache, ExpiringStore {
  private readonly table: CoherentTable<Item>;

  constructor(db: EmbeddedDatabase, tableName: string) {
    this.table = coherentTable<Item>(db, tableName);
  }

  async remember(key: string, expiresAt: number, now: number): Promise<boolean> {
    const stored = this.table.get(key);
    // As in DynamoDB, where TTL deletes late: an expired record no longer counts.
    if (stored && !(stored.expiresAt < now)) return false;
    await this.table.put(key, { expiresAt, ttl: Math.ceil(expiresAt / 1000) });
    return true;
  }

  sweepExpired(nowSeconds: number): Promise<number> {
    return sweepTable(this.table, nowSeconds);
  }
}

import { createHash } from 'node:crypto';
import type { PendingTwoFactor, PendingTwoFactorStore } from '../core/two-factor/pending-store.ts';
import { coherentTable, type CoherentTable } from './coherent-table.ts';
import { ConditionFailedError } from './condition-failed.ts';
import type { EmbeddedDatabase } from './database.ts';
import { sweepTable, type ExpiringStore } from './expiry.ts';

type Item = PendingTwoFactor & { readonly ttl: number };

const keyOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

/**
 * Pending second steps of the embedded mode, persisted in LMDB by a hash of their token, with
 * `DynamoPendingTwoFactorStore`'s conditions. As there, `get` answers a pending sign-in until it is
 * swept: its caller checks `expiresAt`.
 */
export class EmbeddedPendingTwoFactorStore implements PendingTwoFactorStore, ExpiringStore {
  private readonly table: CoherentTable<Item>;

  constructor(db: EmbeddedDatabase, tableName: string) {
    this.table = coherentTable<Item>(db, tableName);
  }

  async put(token: string, pending: PendingTwoFactor): Promise<void> {
    const key = keyOf(token);
    if (this.table.get(key)) throw new ConditionFailedError('the pending sign-in exists');
    await this.table.put(key, { ...pending, ttl: Math.ceil(pending.expiresAt / 1000) });
  }

  async get(token: string): Promise<PendingTwoFactor | undefined> {
    const item = this.table.get(keyOf(token));
    if (!item) return undefined;
    return {
      sipUri: String(item.sipUri),
      account: String(item.account),
      site: item.site,
      expiresAt: Number(item.expiresAt),
      ...(typeof item.challenge === 'string' ? { challenge: item.challenge } : {}),
    };
  }

  async setChallenge(token: string, challenge: string): Promise<void> {
    const key = keyOf(token);
    const item = this.table.get(key);
    if (!item) throw new ConditionFailedError('no such pending sign-in');
    await this.table.put(key, { ...item, challenge });
  }

  async delete(token: string): Promise<void> {
    await this.table.remove(keyOf(token));
  }

  sweepExpired(nowSeconds: number): Promise<number> {
    return sweepTable(this.table, nowSeconds);
  }
}

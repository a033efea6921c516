import { stateKeyOf, type PendingLogin, type SsoLoginStore } from '../core/sso/login-store.ts';
import { coherentTable, type CoherentTable } from './coherent-table.ts';
import { ConditionFailedError } from './condition-failed.ts';
import type { EmbeddedDatabase } from './database.ts';
import { sweepTable, type ExpiringStore } from './expiry.ts';

type Item = PendingLogin & { readonly ttl: number };

/**
 * Pending SSO sign-ins of the embedded mode, persisted in LMDB by a hash of their `state`. Taking one
 * removes it in the same step as it is read, so a `state` is good for one callback only; as with
 * `DynamoSsoLoginStore`, its caller checks `expiresAt`.
 */
export class EmbeddedSsoLoginStore implements SsoLoginStore, ExpiringStore {
  private readonly table: CoherentTable<Item>;

  constructor(db: EmbeddedDatabase, tableName: string) {
    this.table = coherentTable<Item>(db, tableName);
  }

  async put(state: string, login: PendingLogin): Promise<void> {
    const key = stateKeyOf(state);
    if (this.table.get(key)) throw new ConditionFailedError('the state is already pending');
    await this.table.put(key, { ...login, ttl: Math.ceil(login.expiresAt / 1000) });
  }

  async take(state: string): Promise<PendingLogin | undefined> {
    const key = stateKeyOf(state);
    const item = this.table.get(key);
    if (!item) return undefined;
    await this.table.remove(key);
    return {
      site: item.site,
      nonce: String(item.nonce),
      codeVerifier: String(item.codeVerifier),
      redirectUri: String(item.redirectUri),
      expiresAt: Number(item.expiresAt),
    };
  }

  sweepExpired(nowSeconds: number): Promise<number> {
    return sweepTable(this.table, nowSeconds);
  }
}

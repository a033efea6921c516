import type { SsoSessionStore } from '../core/sso/session-store.ts';
import { coherentTable, type CoherentTable } from './coherent-table.ts';
import type { EmbeddedDatabase } from './database.ts';
import { sweepTable, type ExpiringStore } from './expiry.ts';

interface Item {
  readonly idToken: string;
  readonly ttl: number;
}

/** The ID token of each SSO ticket in the embedded mode, persisted in LMDB, gone with the ticket. */
export class EmbeddedSsoSessionStore implements SsoSessionStore, ExpiringStore {
  private readonly table: CoherentTable<Item>;

  constructor(db: EmbeddedDatabase, tableName: string) {
    this.table = coherentTable<Item>(db, tableName);
  }

  async put(ticketId: string, idToken: string, expiresAt: number): Promise<void> {
    await this.table.put(ticketId, { idToken, ttl: Math.ceil(expiresAt / 1000) });
  }

  async take(ticketId: string): Promise<string | undefined> {
    const item = this.table.get(ticketId);
    if (!item) return undefined;
    await this.table.remove(ticketId);
    return typeof item.idToken === 'string' ? item.idToken : undefined;
  }

  sweepExpired(nowSeconds: number): Promise<number> {
    return sweepTable(this.table, nowSeconds);
  }
}

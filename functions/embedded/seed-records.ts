import type { SeedRecords } from '../../local/seed.ts';
import { coherentTable, type CoherentTable } from './coherent-table.ts';
import type { EmbeddedDatabase } from './database.ts';

interface Item {
  readonly seededAt: number;
}

/** Which users the directory seed has added, in the embedded mode: persisted in LMDB by SIP URI. */
export class EmbeddedSeedRecords implements SeedRecords {
  private readonly table: CoherentTable<Item>;

  constructor(db: EmbeddedDatabase, tableName: string) {
    this.table = coherentTable<Item>(db, tableName);
  }

  async has(sipUri: string): Promise<boolean> {
    return this.table.get(sipUri) !== undefined;
  }

  async add(sipUri: string, at: number): Promise<void> {
    await this.table.put(sipUri, { seededAt: at });
  }
}

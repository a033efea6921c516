import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';

/**
 * One persisted table of the embedded mode: records by key, read synchronously from LMDB's memory
 * map, written in LMDB transactions. A write's promise settles once its transaction is committed,
 * so an acknowledged write survives the process being killed (`kill -9`).
 */
export interface PersistedTable<T> {
  get(key: string): T | undefined;
  /** Resolves once the write is committed. */
  put(key: string, value: T): Promise<void>;
  /** Resolves once the delete is committed; answers whether there was a record. */
  remove(key: string): Promise<boolean>;
  /** Every record, in key order (for loading in-memory indexes at start). */
  entries(): Iterable<{ key: string; value: T }>;
  /** Records whose key starts with `prefix`, in key order. */
  entriesWithPrefix(prefix: string): Iterable<{ key: string; value: T }>;
}

/** The embedded mode's database: one LMDB environment in a folder, one named table per store. */
export interface EmbeddedDatabase {
  table<T>(name: string): PersistedTable<T>;
  /** Resolves once every write so far is committed. */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

class LmdbTable<T> implements PersistedTable<T> {
  constructor(private readonly db: Database<T, string>) {}

  get(key: string): T | undefined {
    return this.db.get(key);
  }

  async put(key: string, value: T): Promise<void> {
    await this.db.put(key, value);
  }

  async remove(key: string): Promise<boolean> {
    return this.db.remove(key);
  }

  *entries(): Iterable<{ key: string; value: T }> {
    for (const { key, value } of this.db.getRange()) yield { key, value };
  }

  *entriesWithPrefix(prefix: string): Iterable<{ key: string; value: T }> {
    // Keys are strings: every key with the prefix sorts from the prefix to the prefix + U+FFFF.
    for (const { key, value } of this.db.getRange({ start: prefix, end: `${prefix}\uffff` })) {
      yield { key, value };
    }
  }
}

/**
 * Opens (creating it if needed) the embedded database in `dir`. Only one process opens it for
 * writing at a time: the runtime holds it; the admin command goes through the runtime when it runs.
 */
export function openEmbeddedDatabase(dir: string): EmbeddedDatabase {
  mkdirSync(dir, { recursive: true });
  const root: RootDatabase = open({ path: dir, maxDbs: 64 });
  const opened = new Map<string, PersistedTable<unknown>>();
  return {
    table<T>(name: string): PersistedTable<T> {
      let table = opened.get(name);
      if (!table) {
        table = new LmdbTable<unknown>(root.openDB<unknown, string>({ name }));
        opened.set(name, table);
      }
      return table as PersistedTable<T>;
    },
    flushed: async () => {
      await root.flushed;
    },
    close: async () => {
      await root.close();
    },
  };
}

import type { EmbeddedDatabase, PersistedTable } from './database.ts';

/**
 * Orders keys as LMDB does (UTF-8 bytes, the order of code points), which is also DynamoDB's order
 * of string sort keys; JavaScript's `<` compares UTF-16 code units and differs past U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

interface InFlight<T> {
  /** Undefined: a remove. */
  readonly value: T | undefined;
}

/**
 * A persisted table whose reads see this process's writes at once. LMDB shows a write to readers
 * only once its transaction commits; a store that reads, decides and writes (a conditional write,
 * a counter, a single-use record) must see the writes still in flight, or two callers would both
 * pass one condition. Reads and the write they decide on happen in one synchronous step, and
 * JavaScript runs one step at a time, so each read-decide-write is atomic in the process (the only
 * writer: the embedded database is opened by one process).
 */
export class CoherentTable<T> {
  private readonly inFlight = new Map<string, InFlight<T>>();

  constructor(private readonly table: PersistedTable<T>) {}

  get(key: string): T | undefined {
    const pending = this.inFlight.get(key);
    return pending ? pending.value : this.table.get(key);
  }

  /** Visible to reads at once; resolves once committed. */
  put(key: string, value: T): Promise<void> {
    return this.track(key, { value }, this.table.put(key, value));
  }

  /** Visible to reads at once; resolves once committed. */
  remove(key: string): Promise<void> {
    return this.track(key, { value: undefined }, this.table.remove(key));
  }

  /** Records whose key starts with `prefix`, in key order, writes in flight included (as they were at the call). */
  *entriesWithPrefix(prefix: string): Iterable<{ key: string; value: T }> {
    const pending = [...this.inFlight]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => compareKeys(a, b));
    const pendingKeys = new Set(pending.map(([key]) => key));
    let next = 0;
    function* pendingBefore(key?: string): Iterable<{ key: string; value: T }> {
      for (; next < pending.length; next++) {
        const [pendingKey, write] = pending[next] as [string, InFlight<T>];
        if (key !== undefined && compareKeys(pendingKey, key) >= 0) return;
        if (write.value !== undefined) yield { key: pendingKey, value: write.value };
      }
    }
    const stored = prefix === '' ? this.table.entries() : this.table.entriesWithPrefix(prefix);
    for (const entry of stored) {
      yield* pendingBefore(entry.key);
      if (!pendingKeys.has(entry.key)) yield entry;
    }
    yield* pendingBefore();
  }

  /** Every record, in key order, writes in flight included. */
  entries(): Iterable<{ key: string; value: T }> {
    return this.entriesWithPrefix('');
  }

  private async track(key: string, write: InFlight<T>, committed: Promise<unknown>): Promise<void> {
    this.inFlight.set(key, write);
    try {
      await committed;
    } finally {
      // A later write to the key is still in flight: it stays what reads see.
      if (this.inFlight.get(key) === write) this.inFlight.delete(key);
    }
  }
}

const shared = new WeakMap<PersistedTable<unknown>, CoherentTable<unknown>>();

/**
 * The coherent view of the table `name`: one per table of an open database, so every store over the
 * same table (the runtime's, an admin change's) sees the same writes in flight.
 */
export function coherentTable<T>(db: EmbeddedDatabase, name: string): CoherentTable<T> {
  const table = db.table<unknown>(name);
  let view = shared.get(table);
  if (!view) {
    view = new CoherentTable<unknown>(table);
    shared.set(table, view);
  }
  return view as CoherentTable<T>;
}

import type { Clock } from '../core/clock.ts';
import type { Availability } from '../core/model.ts';
import { connectionTtlSeconds } from '../core/realtime/connections.ts';
import type { ListedConnections, PresencePage, PresenceScan } from '../core/realtime/presence-scan.ts';
import {
  liveEntryOf,
  type LiveConnection,
  type PresenceChange,
  type PresenceRecord,
  type PresenceStore,
} from '../core/realtime/presence-store.ts';
import { compareKeys } from './coherent-table.ts';

const connectionTtlMs = connectionTtlSeconds * 1000;

/** A user's presence row: what DynamoDB's item holds. Fields a write has not set yet are missing. */
interface Row {
  availability?: Availability;
  note?: string;
  updatedAt?: number;
  /** The live set: element (`liveEntryOf`) → the connection (frozen). */
  readonly live: Map<string, LiveConnection>;
}

/**
 * The presence rows of the embedded mode, with the semantics of `DynamoPresenceStore` and
 * `DynamoPresenceScan`. Memory only, chosen availability and note included: after a restart nobody
 * is connected, and everyone is shown as they would be on a new row (available, no note) until they
 * choose again. Each write is one synchronous step, so of a connection arriving while the last one
 * leaves neither is lost, and exactly one writer sees the set go empty. The state is this instance's:
 * the runtime makes one and passes it to everything that needs it.
 */
export class EmbeddedPresenceStore implements PresenceStore, PresenceScan {
  private readonly rows = new Map<string, Row>();

  constructor(private readonly clock: Clock) {}

  async get(sipUri: string): Promise<PresenceRecord | undefined> {
    const row = this.rows.get(sipUri);
    return row ? recordOf(sipUri, row, this.clock.now()) : undefined;
  }

  async getMany(
    sipUris: readonly string[],
    _options?: { readonly consistent?: boolean },
  ): Promise<Map<string, PresenceRecord>> {
    // Every read is consistent here: one process holds every row.
    const now = this.clock.now();
    const found = new Map<string, PresenceRecord>();
    for (const sipUri of sipUris) {
      const row = this.rows.get(sipUri);
      if (row) found.set(sipUri, recordOf(sipUri, row, now));
    }
    return found;
  }

  async choose(
    sipUri: string,
    availability: Availability,
    note: string,
    now: number,
  ): Promise<PresenceChange> {
    return this.write(sipUri, (row) => {
      row.availability = availability;
      row.note = note;
      row.updatedAt = now;
    });
  }

  async addConnection(sipUri: string, connection: LiveConnection, now: number): Promise<PresenceChange> {
    const entry = liveEntryOf(connection);
    const { connectionId, endpoint, ticketId, connectedAt } = connection;
    return this.write(sipUri, (row) => {
      // Entries whose `$disconnect` was lost are dropped by the user's next connect, so none pile up.
      const readAt = this.clock.now();
      for (const [key, live] of row.live) if (!isLive(live, readAt)) row.live.delete(key);
      row.live.set(entry, Object.freeze({ connectionId, endpoint, ticketId, connectedAt }));
      row.updatedAt = now;
    });
  }

  async removeConnection(sipUri: string, connection: LiveConnection, now: number): Promise<PresenceChange> {
    const entry = liveEntryOf(connection);
    return this.write(sipUri, (row) => {
      row.live.delete(entry);
      row.updatedAt = now;
    });
  }

  async removeConnectionById(sipUri: string, connectionId: string, now: number): Promise<PresenceChange> {
    const row = this.rows.get(sipUri);
    const entries = [...(row?.live ?? [])].filter(([, live]) => live.connectionId === connectionId);
    if (!row || entries.length === 0) {
      // Nothing to forget, and nothing written.
      const record = row ? recordOf(sipUri, row, this.clock.now()) : undefined;
      return { before: record, after: record ?? recordOf(sipUri, undefined, this.clock.now()) };
    }
    return this.write(sipUri, (stored) => {
      for (const [entry] of entries) stored.live.delete(entry);
      stored.updatedAt = now;
    });
  }

  /** The rows that list connections (stale ones included), in user order; `from` is opaque to the caller. */
  async page(from: string | undefined, limit: number): Promise<PresencePage> {
    const users = [...this.rows.keys()]
      .filter((sipUri) => from === undefined || compareKeys(sipUri, from) > 0)
      .sort(compareKeys);
    const read = users.slice(0, limit);
    const rows: ListedConnections[] = [];
    for (const sipUri of read) {
      const live = this.rows.get(sipUri)?.live;
      if (live && live.size > 0) rows.push({ sipUri, connections: [...live.values()] });
    }
    const last = read.at(-1);
    return { rows, ...(users.length > limit && last !== undefined && { next: last }) };
  }

  /** Changes the row (creating it, as an update does) in one step; answers it before and after. */
  private write(sipUri: string, change: (row: Row) => void): PresenceChange {
    const now = this.clock.now();
    let row = this.rows.get(sipUri);
    const before = row ? recordOf(sipUri, row, now) : undefined;
    if (!row) {
      row = { live: new Map() };
      this.rows.set(sipUri, row);
    }
    change(row);
    return { before, after: recordOf(sipUri, row, now) };
  }
}

/** Whether a connection may still be open at `now`: none outlives API Gateway's two hours. */
const isLive = (connection: LiveConnection, now: number): boolean =>
  now - connection.connectedAt < connectionTtlMs;

/** The row as callers see it (a new record, frozen): defaults for unset fields, stale connections left out. */
function recordOf(sipUri: string, row: Row | undefined, now: number): PresenceRecord {
  const connections: LiveConnection[] = [];
  for (const connection of row?.live.values() ?? [])
    if (isLive(connection, now)) connections.push(connection);
  return Object.freeze({
    sipUri,
    availability: row?.availability ?? 'available',
    note: row?.note ?? '',
    online: connections.length > 0,
    updatedAt: row?.updatedAt ?? 0,
    connections: Object.freeze(connections),
  });
}

import type { ConnectionPage, ConnectionScan } from '../core/realtime/connection-scan.ts';
import type { ConnectionRecord, ConnectionStore } from '../core/realtime/connections.ts';
import { compareKeys } from './coherent-table.ts';
import type { ExpiringStore } from './expiry.ts';

/** Where a walk goes on: the user and connection read last. */
interface ScanPosition {
  readonly sipUri: string;
  readonly connectionId: string;
}

const positionOf = (from: string | undefined): ScanPosition | undefined =>
  from === undefined ? undefined : (JSON.parse(from) as ScanPosition);

/** Whether `(sipUri, connectionId)` comes after `position` in the walk's order. */
function isAfter(sipUri: string, connectionId: string, position: ScanPosition | undefined): boolean {
  if (!position) return true;
  const bySipUri = compareKeys(sipUri, position.sipUri);
  return bySipUri > 0 || (bySipUri === 0 && compareKeys(connectionId, position.connectionId) > 0);
}

/**
 * The live WebSocket connections of the embedded mode, with the semantics of
 * `DynamoConnectionStore` and `DynamoConnectionScan`. Memory only: a connection cannot outlive the
 * process that holds its socket, so after a restart nobody is connected. The state is this
 * instance's: the runtime makes one and passes it to everything that needs it.
 */
export class EmbeddedConnectionStore implements ConnectionStore, ConnectionScan, ExpiringStore {
  /** sipUri → connectionId → record (frozen), each user's in connection id order as a Query gives them. */
  private readonly byUser = new Map<string, Map<string, ConnectionRecord>>();

  constructor(private readonly nowSeconds: () => number) {}

  async put(record: ConnectionRecord): Promise<void> {
    const stored = Object.freeze({ ...record });
    const connections = this.byUser.get(record.sipUri);
    if (!connections) {
      this.byUser.set(record.sipUri, new Map([[record.connectionId, stored]]));
    } else if (connections.has(record.connectionId)) {
      connections.set(record.connectionId, stored);
    } else {
      // A new connection: rare next to reads, so the order is kept here rather than per read.
      const ordered = [...connections, [record.connectionId, stored] as const].sort(([a], [b]) =>
        compareKeys(a, b),
      );
      this.byUser.set(record.sipUri, new Map(ordered));
    }
  }

  async remove(sipUri: string, connectionId: string): Promise<ConnectionRecord | undefined> {
    const connections = this.byUser.get(sipUri);
    const record = connections?.get(connectionId);
    if (!connections || !record) return undefined;
    connections.delete(connectionId);
    if (connections.size === 0) this.byUser.delete(sipUri);
    return record;
  }

  async listByUser(sipUri: string): Promise<ConnectionRecord[]> {
    const connections = this.byUser.get(sipUri);
    if (!connections) return [];
    const now = this.nowSeconds();
    const live: ConnectionRecord[] = [];
    for (const record of connections.values()) if (record.ttl > now) live.push(record);
    return live;
  }

  /** A bounded walk in (user, connection id) order; `from` is opaque to the caller. */
  async page(from: string | undefined, limit: number): Promise<ConnectionPage> {
    const position = positionOf(from);
    const now = this.nowSeconds();
    const read: ConnectionRecord[] = [];
    let more = false;
    const users = [...this.byUser.keys()]
      .filter((sipUri) => !position || compareKeys(sipUri, position.sipUri) >= 0)
      .sort(compareKeys);
    walk: for (const sipUri of users) {
      for (const record of this.byUser.get(sipUri)?.values() ?? []) {
        if (!isAfter(sipUri, record.connectionId, position)) continue;
        if (read.length === limit) {
          more = true;
          break walk;
        }
        read.push(record);
      }
    }
    const last = read.at(-1);
    return {
      connections: read.filter((c) => c.ttl > now),
      ...(more && last && { next: JSON.stringify({ sipUri: last.sipUri, connectionId: last.connectionId }) }),
    };
  }

  /** Forgets connections past their TTL (whose `$disconnect` never came), as DynamoDB TTL does. */
  async sweepExpired(nowSeconds: number): Promise<number> {
    let removed = 0;
    for (const [sipUri, connections] of this.byUser) {
      for (const [connectionId, record] of connections) {
        if (record.ttl >= nowSeconds) continue;
        connections.delete(connectionId);
        removed++;
      }
      if (connections.size === 0) this.byUser.delete(sipUri);
    }
    return removed;
  }
}

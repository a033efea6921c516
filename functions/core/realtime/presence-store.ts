import {
  BatchGetCommand,
  GetCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.ts';
import type { Availability } from '../model.ts';
import { connectionTtlSeconds } from './connections.ts';

/** A live WebSocket connection as its user's presence row keeps it: what a fan-out needs to reach it. */
export interface LiveConnection {
  readonly connectionId: string;
  /** The `@connections` endpoint of the API the connection came through. */
  readonly endpoint: string;
  readonly ticketId: string;
  readonly connectedAt: number;
}

/** A user's chosen presence and their live connections. */
export interface PresenceRecord {
  readonly sipUri: string;
  readonly availability: Availability;
  readonly note: string;
  /** Whether the user has a live connection. */
  readonly online: boolean;
  readonly updatedAt: number;
  /** The user's live connections; entries older than a connection can live are left out. */
  readonly connections: readonly LiveConnection[];
}

/** A presence row before and after one write to it. */
export interface PresenceChange {
  readonly before: PresenceRecord | undefined;
  readonly after: PresenceRecord;
}

/**
 * Presence rows, one per user. Each row also holds the user's live connections (`live`), so a
 * presence change reaches all of W watchers with ⌈W/100⌉ BatchGetItem requests instead of one
 * connections Query per watcher. `$connect` and `$disconnect` write the row anyway; keeping the set
 * costs them no request.
 *
 * Being online is having a live connection, and nothing else: there is no separate flag to keep in
 * step. Adding and deleting one element of a string set are single atomic writes, so a connection
 * that arrives while the last one leaves is never lost (the user stays online), and exactly one
 * writer sees the set go empty (and tells the watchers). DynamoDB drops the attribute with its last
 * element.
 */
export interface PresenceStore {
  get(sipUri: string): Promise<PresenceRecord | undefined>;
  /** The rows of these users; `consistent` when a connection that just opened must be seen. */
  getMany(
    sipUris: readonly string[],
    options?: { readonly consistent?: boolean },
  ): Promise<Map<string, PresenceRecord>>;
  /** Sets the chosen availability and note; answers the row before and after. */
  choose(sipUri: string, availability: Availability, note: string, now: number): Promise<PresenceChange>;
  /** Records a live connection of the user (who is online from now on). */
  addConnection(sipUri: string, connection: LiveConnection, now: number): Promise<PresenceChange>;
  /** Forgets a connection of the user (who is offline once none is left). */
  removeConnection(sipUri: string, connection: LiveConnection, now: number): Promise<PresenceChange>;
  /** As `removeConnection`, for a connection known only by its id (one more read). */
  removeConnectionById(sipUri: string, connectionId: string, now: number): Promise<PresenceChange>;
}

const batchGetLimit = 100;
const connectionTtlMs = connectionTtlSeconds * 1000;

/**
 * The set element for a connection. JSON with a fixed field order, so the same connection always
 * gives the same string (deleting an element needs the exact one) and no field can bleed into
 * another: endpoints are URLs, ids are opaque.
 */
export function liveEntryOf(connection: LiveConnection): string {
  const { connectionId, endpoint, ticketId, connectedAt } = connection;
  return JSON.stringify({ connectionId, endpoint, ticketId, connectedAt });
}

/** A set element back as the connection it stands for; undefined for one this code did not write. */
export function parseLiveEntry(entry: string): LiveConnection | undefined {
  try {
    const value = JSON.parse(entry) as Partial<Record<keyof LiveConnection, unknown>>;
    const { connectionId, endpoint, ticketId, connectedAt } = value;
    if (
      typeof connectionId === 'string' &&
      typeof endpoint === 'string' &&
      typeof ticketId === 'string' &&
      typeof connectedAt === 'number'
    ) {
      return { connectionId, endpoint, ticketId, connectedAt };
    }
  } catch {
    // An element this code did not write: treated as no connection.
  }
  return undefined;
}

type Item = Record<string, unknown>;

const entriesOf = (item: Item | undefined): string[] =>
  item?.live instanceof Set ? [...(item.live as Set<string>)] : [];

export class DynamoPresenceStore implements PresenceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async get(sipUri: string): Promise<PresenceRecord | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { sipUri } }));
    return result.Item ? this.recordOf(sipUri, result.Item) : undefined;
  }

  async getMany(
    sipUris: readonly string[],
    options: { readonly consistent?: boolean } = {},
  ): Promise<Map<string, PresenceRecord>> {
    const found = new Map<string, PresenceRecord>();
    const unique = [...new Set(sipUris)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += batchGetLimit) chunks.push(unique.slice(i, i + batchGetLimit));
    await Promise.all(
      chunks.map(async (chunk) => {
        let keys: Item[] | undefined = chunk.map((sipUri) => ({ sipUri }));
        // BatchGet may hand back unprocessed keys under load; ask again for those (bounded).
        for (let attempt = 0; keys && keys.length > 0 && attempt < 5; attempt++) {
          const result: BatchGetCommandOutput = await this.db.send(
            new BatchGetCommand({
              RequestItems: {
                [this.tableName]: { Keys: keys, ...(options.consistent && { ConsistentRead: true }) },
              },
            }),
          );
          for (const item of result.Responses?.[this.tableName] ?? []) {
            const sipUri = String(item.sipUri);
            found.set(sipUri, this.recordOf(sipUri, item));
          }
          keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
        }
      }),
    );
    return found;
  }

  async choose(
    sipUri: string,
    availability: Availability,
    note: string,
    now: number,
  ): Promise<PresenceChange> {
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { sipUri },
        UpdateExpression: 'SET #a = :a, #n = :n, #t = :t',
        ExpressionAttributeNames: { '#a': 'availability', '#n': 'note', '#t': 'updatedAt' },
        ExpressionAttributeValues: { ':a': availability, ':n': note, ':t': now },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const old = result.Attributes;
    return {
      before: old ? this.recordOf(sipUri, old) : undefined,
      after: this.recordOf(sipUri, { ...old, availability, note, updatedAt: now }),
    };
  }

  async addConnection(sipUri: string, connection: LiveConnection, now: number): Promise<PresenceChange> {
    const entry = liveEntryOf(connection);
    const result = await this.writeLive(sipUri, 'ADD', [entry], now);
    const old = result.Attributes;
    await this.dropExpired(sipUri, entriesOf(old));
    return this.change(sipUri, old, (entries) => [...entries, entry], now);
  }

  async removeConnection(sipUri: string, connection: LiveConnection, now: number): Promise<PresenceChange> {
    return this.removeEntries(sipUri, [liveEntryOf(connection)], now);
  }

  async removeConnectionById(sipUri: string, connectionId: string, now: number): Promise<PresenceChange> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { sipUri }, ConsistentRead: true }),
    );
    const entries = entriesOf(result.Item).filter((e) => parseLiveEntry(e)?.connectionId === connectionId);
    if (entries.length === 0) {
      const record = result.Item ? this.recordOf(sipUri, result.Item) : undefined;
      return { before: record, after: record ?? this.recordOf(sipUri, undefined) };
    }
    return this.removeEntries(sipUri, entries, now);
  }

  private async removeEntries(sipUri: string, entries: readonly string[], now: number) {
    const result = await this.writeLive(sipUri, 'DELETE', entries, now);
    return this.change(sipUri, result.Attributes, (old) => old.filter((e) => !entries.includes(e)), now);
  }

  /** Adds or deletes elements of the row's `live` set in one atomic write; answers the row as it was before (ALL_OLD). */
  private writeLive(sipUri: string, op: 'ADD' | 'DELETE', entries: readonly string[], now: number) {
    // `online` and `onlineSince` were this row's state before the set; dropped as rows are written.
    const setOp = op === 'ADD' ? 'ADD #l :c' : 'DELETE #l :c';
    return this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { sipUri },
        UpdateExpression: `SET #t = :t ${setOp} REMOVE #o, #s`,
        ExpressionAttributeNames: { '#l': 'live', '#t': 'updatedAt', '#o': 'online', '#s': 'onlineSince' },
        ExpressionAttributeValues: { ':c': new Set(entries), ':t': now },
        ReturnValues: 'ALL_OLD',
      }),
    );
  }

  /**
   * Entries outlive their connection only when its `$disconnect` was lost; reads ignore them once
   * older than any connection can be, and a later connect of the user deletes them (one request,
   * only then) so they cannot pile up.
   */
  private async dropExpired(sipUri: string, entries: readonly string[]): Promise<void> {
    const live = new Set(this.liveOf(entries).map(liveEntryOf));
    const expired = entries.filter((e) => !live.has(e));
    if (expired.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { sipUri },
        UpdateExpression: 'DELETE #l :c',
        ExpressionAttributeNames: { '#l': 'live' },
        ExpressionAttributeValues: { ':c': new Set(expired) },
      }),
    );
  }

  private liveOf(entries: readonly string[]): LiveConnection[] {
    const now = this.clock.now();
    return entries
      .map(parseLiveEntry)
      .filter((c): c is LiveConnection => c !== undefined && now - c.connectedAt < connectionTtlMs);
  }

  private recordOf(sipUri: string, item: Item | undefined): PresenceRecord {
    const connections = this.liveOf(entriesOf(item));
    return {
      sipUri,
      availability: (item?.availability as Availability | undefined) ?? 'available',
      note: typeof item?.note === 'string' ? item.note : '',
      online: connections.length > 0,
      updatedAt: typeof item?.updatedAt === 'number' ? item.updatedAt : 0,
      connections,
    };
  }

  /** The row before a write (DynamoDB's ALL_OLD) and after it, worked out from the same answer. */
  private change(
    sipUri: string,
    old: Item | undefined,
    apply: (entries: string[]) => string[],
    now: number,
  ): PresenceChange {
    const entries = apply(entriesOf(old));
    return {
      before: old ? this.recordOf(sipUri, old) : undefined,
      after: this.recordOf(sipUri, { ...old, updatedAt: now, live: new Set(entries) }),
    };
  }
}

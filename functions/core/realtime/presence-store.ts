import {
  BatchGetCommand,
  GetCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Availability } from '../model.ts';
import { isConditionFailure } from '../storage/dynamo.ts';

/** A user's chosen presence and whether any of their connections is live. */
export interface PresenceRecord {
  readonly sipUri: string;
  readonly availability: Availability;
  readonly note: string;
  readonly online: boolean;
  readonly updatedAt: number;
}

export interface PresenceStore {
  get(sipUri: string): Promise<PresenceRecord | undefined>;
  getMany(sipUris: readonly string[]): Promise<Map<string, PresenceRecord>>;
  /** Sets the chosen availability and note; answers the new record. */
  choose(sipUri: string, availability: Availability, note: string, now: number): Promise<PresenceRecord>;
  /** Marks the user online; answers the record before and after. */
  markOnline(sipUri: string, now: number): Promise<PresenceChange>;
  /**
   * Marks the user offline unless they were marked online after `checkedAt` (a connection that
   * arrived while their last one was leaving); answers undefined when that happened.
   */
  markOffline(sipUri: string, now: number, checkedAt: number): Promise<PresenceChange | undefined>;
}

export interface PresenceChange {
  readonly before: PresenceRecord | undefined;
  readonly after: PresenceRecord;
}

const batchGetLimit = 100;

function withDefaults(sipUri: string, item: Partial<PresenceRecord> | undefined): PresenceRecord {
  return {
    sipUri,
    availability: item?.availability ?? 'available',
    note: item?.note ?? '',
    online: item?.online === true,
    updatedAt: item?.updatedAt ?? 0,
  };
}

export class DynamoPresenceStore implements PresenceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(sipUri: string): Promise<PresenceRecord | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { sipUri } }));
    return result.Item ? withDefaults(sipUri, result.Item as PresenceRecord) : undefined;
  }

  async getMany(sipUris: readonly string[]): Promise<Map<string, PresenceRecord>> {
    const found = new Map<string, PresenceRecord>();
    const unique = [...new Set(sipUris)];
    for (let i = 0; i < unique.length; i += batchGetLimit) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(i, i + batchGetLimit)
        .map((sipUri) => ({ sipUri }));
      // BatchGet may hand back unprocessed keys under load; ask again for those (bounded).
      for (let attempt = 0; keys && keys.length > 0 && attempt < 5; attempt++) {
        const result: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const record = item as PresenceRecord;
          found.set(record.sipUri, withDefaults(record.sipUri, record));
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  async choose(
    sipUri: string,
    availability: Availability,
    note: string,
    now: number,
  ): Promise<PresenceRecord> {
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { sipUri },
        UpdateExpression: 'SET #a = :a, #n = :n, #t = :t',
        ExpressionAttributeNames: { '#a': 'availability', '#n': 'note', '#t': 'updatedAt' },
        ExpressionAttributeValues: { ':a': availability, ':n': note, ':t': now },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return withDefaults(sipUri, result.Attributes as PresenceRecord);
  }

  async markOnline(sipUri: string, now: number): Promise<PresenceChange> {
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { sipUri },
        UpdateExpression: 'SET #o = :o, #s = :t, #t = :t',
        ExpressionAttributeNames: { '#o': 'online', '#s': 'onlineSince', '#t': 'updatedAt' },
        ExpressionAttributeValues: { ':o': true, ':t': now },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return this.change(sipUri, result.Attributes, { online: true, updatedAt: now });
  }

  async markOffline(sipUri: string, now: number, checkedAt: number): Promise<PresenceChange | undefined> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { sipUri },
          UpdateExpression: 'SET #o = :o, #t = :t',
          ConditionExpression: 'attribute_not_exists(#s) OR #s <= :checked',
          ExpressionAttributeNames: { '#o': 'online', '#s': 'onlineSince', '#t': 'updatedAt' },
          ExpressionAttributeValues: { ':o': false, ':t': now, ':checked': checkedAt },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return this.change(sipUri, result.Attributes, { online: false, updatedAt: now });
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  private change(
    sipUri: string,
    old: Record<string, unknown> | undefined,
    update: Pick<PresenceRecord, 'online' | 'updatedAt'>,
  ): PresenceChange {
    const before = old ? withDefaults(sipUri, old as Partial<PresenceRecord>) : undefined;
    return { before, after: withDefaults(sipUri, { ...before, ...update }) };
  }
}

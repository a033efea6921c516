import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../storage/dynamo.ts';

/** Failed sign-ins counted for one key (an account or a source address) in the current window. */
export interface FailureRecord {
  readonly key: string;
  /** ms since the epoch. */
  readonly windowStart: number;
  readonly failures: number;
  readonly lockedUntil: number;
  /** Epoch seconds. */
  readonly ttl: number;
}

export interface FailureStore {
  get(key: string): Promise<FailureRecord | undefined>;
  /** The records of these keys, read together; keys with none are left out. */
  getMany(keys: readonly string[]): Promise<FailureRecord[]>;
  /** Writes `next` only if the stored record is still `previous` (optimistic concurrency). */
  replace(next: FailureRecord, previous: FailureRecord | undefined): Promise<boolean>;
}

export class DynamoFailureStore implements FailureStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(key: string): Promise<FailureRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { key }, ConsistentRead: true }),
    );
    return result.Item as FailureRecord | undefined;
  }

  async getMany(keys: readonly string[]): Promise<FailureRecord[]> {
    const found: FailureRecord[] = [];
    let pending: Record<string, unknown>[] | undefined = [...new Set(keys)].map((key) => ({ key }));
    // BatchGet may hand back unprocessed keys under load; ask again for those (bounded).
    for (let attempt = 0; pending && pending.length > 0 && attempt < 5; attempt++) {
      const result: BatchGetCommandOutput = await this.db.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...((result.Responses?.[this.tableName] ?? []) as FailureRecord[]));
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    if (pending && pending.length > 0) throw new Error('sign-in failure records could not be read');
    return found;
  }

  async replace(next: FailureRecord, previous: FailureRecord | undefined): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: next,
          ...(previous
            ? {
                ConditionExpression: 'failures = :f AND windowStart = :w',
                ExpressionAttributeValues: { ':f': previous.failures, ':w': previous.windowStart },
              }
            : { ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'key' } }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}

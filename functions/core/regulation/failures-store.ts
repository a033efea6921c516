import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

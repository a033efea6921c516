import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Authenticators already accepted, so a captured Negotiate header cannot be played again. It must
 * hold across every Lambda instance, hence a conditional write to one table rather than memory.
 */
export interface ReplayCache {
  /**
   * Records `key` until `expiresAt` (ms); answers false when it is already recorded and not expired.
   * `now` comes from the caller's clock.
   */
  remember(key: string, expiresAt: number, now: number): Promise<boolean>;
}

export class DynamoReplayCache implements ReplayCache {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async remember(key: string, expiresAt: number, now: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { key, expiresAt, ttl: Math.ceil(expiresAt / 1000) },
          // DynamoDB TTL deletes late: an expired record no longer counts.
          ConditionExpression: 'attribute_not_exists(#key) OR expiresAt < :now',
          ExpressionAttributeNames: { '#key': 'key' },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}

/** An in-process replay cache, for unit tests of the acceptor. */
export class MemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, number>();

  async remember(key: string, expiresAt: number, now: number): Promise<boolean> {
    const until = this.seen.get(key);
    if (until !== undefined && until >= now) return false;
    this.seen.set(key, expiresAt);
    return true;
  }
}

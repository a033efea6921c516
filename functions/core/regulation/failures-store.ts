import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../storage/dynamo.ts';

/**
 * Sign-in attempts counted for one key (an account or a source address) in the current window:
 * failed ones, and ones reserved while their credential is being checked.
 */
export interface FailureRecord {
  readonly key: string;
  /** ms since the epoch. */
  readonly windowStart: number;
  readonly failures: number;
  readonly lockedUntil: number;
  /** Epoch seconds. */
  readonly ttl: number;
}

/**
 * Atomic counting: each operation is one conditional write that returns what it wrote, so parallel
 * attempts on one key each get their own count and none is lost.
 */
export interface FailureStore {
  /**
   * Adds one to the count of the window that started after `windowStartAfter` (a key with no record
   * starts one at `now`). Undefined when the stored window is older: start a new one.
   */
  addToWindow(
    key: string,
    now: number,
    windowStartAfter: number,
    ttl: number,
  ): Promise<FailureRecord | undefined>;
  /**
   * Starts a new window at `now` with a count of one, only if the stored one started at or before
   * `windowStartAfter`; a running lock is kept. Undefined when another attempt started it first.
   */
  startWindow(
    key: string,
    now: number,
    windowStartAfter: number,
    ttl: number,
  ): Promise<FailureRecord | undefined>;
  /** Takes one off the count of the window that started at `windowStart`; nothing if that window is gone. */
  subtract(key: string, windowStart: number): Promise<void>;
  /** Locks the key until `until`, or leaves a longer lock as it is. */
  lock(key: string, until: number, ttl: number): Promise<void>;
}

export class DynamoFailureStore implements FailureStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  addToWindow(
    key: string,
    now: number,
    windowStartAfter: number,
    ttl: number,
  ): Promise<FailureRecord | undefined> {
    return this.updateWindow(
      key,
      { now, windowStartAfter, ttl },
      {
        update:
          'ADD failures :one SET windowStart = if_not_exists(windowStart, :now), lockedUntil = if_not_exists(lockedUntil, :zero), #ttl = if_not_exists(#ttl, :ttl)',
        condition: 'attribute_not_exists(#key) OR windowStart > :after',
      },
    );
  }

  startWindow(
    key: string,
    now: number,
    windowStartAfter: number,
    ttl: number,
  ): Promise<FailureRecord | undefined> {
    return this.updateWindow(
      key,
      { now, windowStartAfter, ttl },
      {
        update:
          'SET windowStart = :now, failures = :one, lockedUntil = if_not_exists(lockedUntil, :zero), #ttl = :ttl',
        // A record without a window (it cannot be made by this store, but would otherwise block the key) is replaced too.
        condition: 'attribute_exists(#key) AND (windowStart <= :after OR attribute_not_exists(windowStart))',
      },
    );
  }

  async subtract(key: string, windowStart: number): Promise<void> {
    await this.update(key, {
      UpdateExpression: 'ADD failures :minusOne',
      ConditionExpression: 'windowStart = :windowStart AND failures > :zero',
      ExpressionAttributeValues: { ':minusOne': -1, ':windowStart': windowStart, ':zero': 0 },
    });
  }

  async lock(key: string, until: number, ttl: number): Promise<void> {
    await this.update(key, {
      UpdateExpression: 'SET lockedUntil = :until, #ttl = :ttl',
      ConditionExpression:
        'attribute_exists(#key) AND (attribute_not_exists(lockedUntil) OR lockedUntil < :until)',
      ExpressionAttributeNames: { '#key': 'key', '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':until': until, ':ttl': ttl },
    });
  }

  /** A write of the key's counting window: its expressions share the same names and values. */
  private updateWindow(
    key: string,
    at: { readonly now: number; readonly windowStartAfter: number; readonly ttl: number },
    expressions: { readonly update: string; readonly condition: string },
  ): Promise<FailureRecord | undefined> {
    return this.update(key, {
      UpdateExpression: expressions.update,
      ConditionExpression: expressions.condition,
      ExpressionAttributeNames: { '#key': 'key', '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':one': 1,
        ':now': at.now,
        ':zero': 0,
        ':ttl': at.ttl,
        ':after': at.windowStartAfter,
      },
    });
  }

  /** One conditional UpdateItem; the record as written, or undefined when the condition did not hold. */
  private async update(
    key: string,
    expression: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<FailureRecord | undefined> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { key },
          ...expression,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes as FailureRecord | undefined;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }
}

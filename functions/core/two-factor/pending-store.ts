import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Site } from '../model.ts';

/** A sign-in whose password was right and whose second factor is still to come. */
export interface PendingTwoFactor {
  readonly sipUri: string;
  /** `DOMAIN\username` as signed in, for the regulator. */
  readonly account: string;
  readonly site: Site;
  readonly expiresAt: number;
  /** The WebAuthn challenge last handed out for this sign-in, base64url. */
  readonly challenge?: string;
}

/** Pending second steps, keyed by a hash of the token in the browser's two-factor cookie. */
export interface PendingTwoFactorStore {
  put(token: string, pending: PendingTwoFactor): Promise<void>;
  get(token: string): Promise<PendingTwoFactor | undefined>;
  setChallenge(token: string, challenge: string): Promise<void>;
  delete(token: string): Promise<void>;
}

const keyOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

export class DynamoPendingTwoFactorStore implements PendingTwoFactorStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(token: string, pending: PendingTwoFactor): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pendingKey: keyOf(token), ...pending, ttl: Math.ceil(pending.expiresAt / 1000) },
        ConditionExpression: 'attribute_not_exists(pendingKey)',
      }),
    );
  }

  async get(token: string): Promise<PendingTwoFactor | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pendingKey: keyOf(token) }, ConsistentRead: true }),
    );
    const item = result.Item;
    if (!item) return undefined;
    return {
      sipUri: String(item.sipUri),
      account: String(item.account),
      site: item.site as Site,
      expiresAt: Number(item.expiresAt),
      ...(typeof item.challenge === 'string' ? { challenge: item.challenge } : {}),
    };
  }

  async setChallenge(token: string, challenge: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pendingKey: keyOf(token) },
        UpdateExpression: 'SET challenge = :c',
        ConditionExpression: 'attribute_exists(pendingKey)',
        ExpressionAttributeValues: { ':c': challenge },
      }),
    );
  }

  async delete(token: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { pendingKey: keyOf(token) } }));
  }
}

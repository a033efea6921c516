import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Site } from '../model.ts';

/** A live WebSocket connection of a signed-in user. */
export interface ConnectionRecord {
  readonly sipUri: string;
  readonly connectionId: string;
  readonly ticketId: string;
  readonly site: Site;
  /** The `@connections` endpoint of the API the connection came through. */
  readonly endpoint: string;
  readonly connectedAt: number;
  /** Epoch seconds; API Gateway ends every connection after 2 hours, so rows outlive them only briefly. */
  readonly ttl: number;
}

export interface ConnectionStore {
  put(record: ConnectionRecord): Promise<void>;
  /** Forgets a connection; answers its record, or undefined when there was none. */
  remove(sipUri: string, connectionId: string): Promise<ConnectionRecord | undefined>;
  /** The user's live connections (rows past their TTL are ignored). */
  listByUser(sipUri: string): Promise<ConnectionRecord[]>;
}

/** API Gateway's maximum connection duration, plus a margin for the disconnect to arrive. */
export const connectionTtlSeconds = 2 * 60 * 60 + 5 * 60;

export class DynamoConnectionStore implements ConnectionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowSeconds: () => number,
  ) {}

  async put(record: ConnectionRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: record }));
  }

  async remove(sipUri: string, connectionId: string): Promise<ConnectionRecord | undefined> {
    const result = await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { sipUri, connectionId },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return result.Attributes as ConnectionRecord | undefined;
  }

  async listByUser(sipUri: string): Promise<ConnectionRecord[]> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'sipUri = :u',
        ExpressionAttributeValues: { ':u': sipUri },
        ConsistentRead: true,
      }),
    );
    const now = this.nowSeconds();
    return ((result.Items ?? []) as ConnectionRecord[]).filter((c) => c.ttl > now);
  }
}

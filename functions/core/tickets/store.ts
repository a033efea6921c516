import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../storage/dynamo.ts';
import type { AuthMethod, Site } from '../model.ts';

/** The server-side half of a ticket: the JWT is only valid while this record exists and is current. */
export interface TicketRecord {
  readonly ticketId: string;
  readonly sipUri: string;
  readonly site: Site;
  readonly authMethod: AuthMethod;
  /** All times in ms since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly idleExpiresAt: number;
  readonly lastActivityAt: number;
}

export interface TicketStore {
  put(record: TicketRecord): Promise<void>;
  get(ticketId: string): Promise<TicketRecord | undefined>;
  /** Records activity: moves the idle expiry, if the ticket still exists. */
  touch(ticket: TicketRecord, lastActivityAt: number, idleExpiresAt: number): Promise<void>;
  /** Revokes the ticket; true when it existed. */
  delete(ticketId: string): Promise<boolean>;
}

const ttlOf = (expiresAt: number, idleExpiresAt: number): number =>
  Math.ceil(Math.min(expiresAt, idleExpiresAt) / 1000);

export class DynamoTicketStore implements TicketStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(record: TicketRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...record, ttl: ttlOf(record.expiresAt, record.idleExpiresAt) },
        ConditionExpression: 'attribute_not_exists(ticketId)',
      }),
    );
  }

  async get(ticketId: string): Promise<TicketRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { ticketId }, ConsistentRead: true }),
    );
    return result.Item as TicketRecord | undefined;
  }

  async touch(ticket: TicketRecord, lastActivityAt: number, idleExpiresAt: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { ticketId: ticket.ticketId },
          UpdateExpression: 'SET lastActivityAt = :a, idleExpiresAt = :i, #ttl = :t',
          ConditionExpression: 'attribute_exists(ticketId) AND expiresAt > :a',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':a': lastActivityAt,
            ':i': idleExpiresAt,
            ':t': ttlOf(ticket.expiresAt, idleExpiresAt),
          },
        }),
      );
    } catch (err) {
      // Revoked or expired meanwhile: nothing to extend.
      if (!isConditionFailure(err)) throw err;
    }
  }

  async delete(ticketId: string): Promise<boolean> {
    const result = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { ticketId }, ReturnValues: 'ALL_OLD' }),
    );
    return result.Attributes !== undefined;
  }
}

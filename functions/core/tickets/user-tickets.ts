import { QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A ticket named by its id, with the user it speaks for. */
export interface TicketOwner {
  readonly ticketId: string;
  readonly sipUri: string;
}

/**
 * Which tickets exist, by user: the administration view of the tickets table. No request path
 * uses it; the admin command lists and revokes sessions through it.
 */
export interface UserTicketIndex {
  /**
   * Ids of the user's ticket records. The index is eventually consistent, so a ticket issued a
   * moment ago may be missing and one just deleted may linger: read each record before trusting it.
   */
  ticketIdsOf(sipUri: string): Promise<string[]>;
  /** Every ticket, page by page. A Scan: for looking up one session by name, never on a request path. */
  everyTicket(): AsyncIterable<TicketOwner>;
}

export class DynamoUserTicketIndex implements UserTicketIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async ticketIdsOf(sipUri: string): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'user-index',
          KeyConditionExpression: 'sipUri = :u',
          ExpressionAttributeValues: { ':u': sipUri },
          ProjectionExpression: 'ticketId',
          ExclusiveStartKey: startKey,
        }),
      );
      ids.push(...(page.Items ?? []).map((item) => String(item.ticketId)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return ids;
  }

  async *everyTicket(): AsyncIterable<TicketOwner> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: 'ticketId, sipUri',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        yield { ticketId: String(item.ticketId), sipUri: String(item.sipUri) };
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}

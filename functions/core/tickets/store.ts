import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../storage/dynamo.ts';
import { readItems, type ItemRead } from '../storage/item-reads.ts';
import type { SessionMethod, Site } from '../model.ts';

/** The server-side half of a ticket: the JWT is only valid while this record exists and is current. */
export interface TicketRecord {
  readonly ticketId: string;
  readonly sipUri: string;
  readonly site: Site;
  readonly authMethod: SessionMethod;
  /** The account that signed in (a Kerberos principal, an NTLM `DOMAIN\\user`), for the methods that name one. */
  readonly account?: string;
  /** All times in ms since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly idleExpiresAt: number;
  readonly lastActivityAt: number;
  /** The ticket's own idle timeout in ms (SSO's per-site setting); unset = its site's. */
  readonly idleTimeoutMs?: number;
  /** Carried by a persistent cookie (SSO opt-in): leaving the client page does not end it. */
  readonly persistent?: boolean;
  /** When a WebSocket connection of this ticket last opened. */
  readonly attachedAt?: number;
  /** When the ticket's last connection closed (the user left the client page); unset while attached. */
  readonly detachedAt?: number;
  /**
   * When the client page said it was going (closed, or left for another page: `POST
   * /api/session/leave`); unset again once a connection of the ticket opens (a reload).
   */
  readonly leftAt?: number;
}

/** What one WebSocket frame did to its ticket: the record after it, and the frames counted in its window. */
export interface FrameUse {
  readonly record: TicketRecord;
  readonly framesInWindow: number;
}

export interface TicketStore {
  put(record: TicketRecord): Promise<void>;
  get(ticketId: string): Promise<TicketRecord | undefined>;
  /**
   * The ticket, and with it in the same request another item read (a user from the directory).
   * Stores that cannot read across tables leave it out; the caller then reads the two in parallel.
   */
  getWith?<T>(ticketId: string, other: ItemRead<T>): Promise<[TicketRecord | undefined, T]>;
  /** Records activity: moves the idle expiry, if the ticket still exists. */
  touch(ticket: TicketRecord, lastActivityAt: number, idleExpiresAt: number): Promise<void>;
  /**
   * Counts one WebSocket frame in `window` (and, for user activity, moves the idle expiry) in one
   * write; undefined when the ticket no longer exists or has expired (it is then left as it was).
   */
  useForFrame(
    ticketId: string,
    now: number,
    window: number,
    activity: { readonly idleSeconds: number } | undefined,
  ): Promise<FrameUse | undefined>;
  /** A connection of the ticket opened: the page is there, so neither a detach nor a leave stands. */
  attach(ticketId: string, at: number): Promise<void>;
  /**
   * The ticket's last connection closed, unless one was attached after `checkedAt`; the ticket is
   * listed for the session sweeper under the minute of `at`.
   */
  detach(ticketId: string, at: number, checkedAt: number): Promise<void>;
  /**
   * The client page said it is going: records `leftAt` and lists the ticket for the session sweeper
   * under the minute of `at`. A persistent ticket is left as it was.
   */
  leave(ticketId: string, at: number): Promise<void>;
  /** Tickets whose absolute or idle expiry falls in the given minute (ms since the epoch / 60 000). */
  expiringInMinute(minute: number): Promise<TicketRecord[]>;
  /** Tickets whose client page went in the given minute (listed by `detach` and `leave`), ended or not. */
  leavingInMinute(minute: number): Promise<TicketRecord[]>;
  /** Revokes the ticket; true when it existed. */
  delete(ticketId: string): Promise<boolean>;
}

const expiryOf = (expiresAt: number, idleExpiresAt: number): number => Math.min(expiresAt, idleExpiresAt);
const ttlOf = (expiresAt: number, idleExpiresAt: number): number =>
  Math.ceil(expiryOf(expiresAt, idleExpiresAt) / 1000);
/** The minute a ticket expires in, the partition of the `expiry-index` the session sweeper reads. */
export const expiryMinuteOf = (expiresAt: number, idleExpiresAt: number): string =>
  String(Math.floor(expiryOf(expiresAt, idleExpiresAt) / 60_000));
/** The minute a ticket's page went, the partition of the sparse `leave-index` the session sweeper reads. */
const leaveMinuteOf = (at: number): string => String(Math.floor(at / 60_000));

type Item = TicketRecord & {
  ttl: number;
  expiryMinute: string;
  leaveMinute?: string;
  frameWindow?: number;
  frameCount?: number;
};

function recordOf(item: object): TicketRecord {
  const {
    ttl: _ttl,
    expiryMinute: _minute,
    leaveMinute: _leaveMinute,
    frameWindow: _window,
    frameCount: _count,
    ...record
  } = item as Item;
  return record;
}

/** How many tickets' frame windows one instance remembers (a hint only: forgetting costs a write). */
const rememberedWindows = 10_000;

export class DynamoTicketStore implements TicketStore {
  /** The rate window each ticket's last frame was counted in, as this instance saw it. */
  private readonly lastWindows = new Map<string, number>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private rememberWindow(ticketId: string, window: number): void {
    if (this.lastWindows.size >= rememberedWindows) this.lastWindows.clear();
    this.lastWindows.set(ticketId, window);
  }

  async put(record: TicketRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...record,
          ttl: ttlOf(record.expiresAt, record.idleExpiresAt),
          expiryMinute: expiryMinuteOf(record.expiresAt, record.idleExpiresAt),
        },
        ConditionExpression: 'attribute_not_exists(ticketId)',
      }),
    );
  }

  async get(ticketId: string): Promise<TicketRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { ticketId }, ConsistentRead: true }),
    );
    return result.Item ? recordOf(result.Item) : undefined;
  }

  getWith<T>(ticketId: string, other: ItemRead<T>): Promise<[TicketRecord | undefined, T]> {
    const ticket: ItemRead<TicketRecord | undefined> = {
      tableName: this.tableName,
      key: { ticketId },
      answer: (item) => (item ? recordOf(item) : undefined),
      alone: () => this.get(ticketId),
    };
    return readItems(this.db, [ticket, other]);
  }

  async touch(ticket: TicketRecord, lastActivityAt: number, idleExpiresAt: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { ticketId: ticket.ticketId },
          UpdateExpression: 'SET lastActivityAt = :a, idleExpiresAt = :i, #ttl = :t, expiryMinute = :m',
          ConditionExpression: 'attribute_exists(ticketId) AND expiresAt > :a',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':a': lastActivityAt,
            ':i': idleExpiresAt,
            ':t': ttlOf(ticket.expiresAt, idleExpiresAt),
            ':m': expiryMinuteOf(ticket.expiresAt, idleExpiresAt),
          },
        }),
      );
    } catch (err) {
      // Revoked or expired meanwhile: nothing to extend.
      if (!isConditionFailure(err)) throw err;
    }
  }

  async useForFrame(
    ticketId: string,
    now: number,
    window: number,
    activity: { readonly idleSeconds: number } | undefined,
  ): Promise<FrameUse | undefined> {
    // A ticket with its own idle timeout (idleTimeoutMs) keeps it; others get the site's.
    const set = activity
      ? ', lastActivityAt = :now, idleExpiresAt = :now + if_not_exists(idleTimeoutMs, :idle)'
      : '';
    const activityValues = activity ? { ':idle': activity.idleSeconds * 1000 } : {};
    // An expired ticket must not be revived by the activity this frame would record.
    const current = 'expiresAt > :now AND idleExpiresAt > :now';
    const update = (expression: string, condition: string) =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { ticketId },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeValues: { ':one': 1, ':w': window, ':now': now, ...activityValues },
          ReturnValues: 'ALL_NEW',
        }),
      );
    // Counting in the window the ticket was last seen in, or starting a new one: try first the
    // write this instance expects to succeed, so a frame usually costs one write either way.
    const sameWindow = () =>
      update(`SET frameCount = frameCount + :one${set}`, `frameWindow = :w AND ${current}`);
    const newWindow = () =>
      update(
        `SET frameWindow = :w, frameCount = :one${set}`,
        `attribute_exists(ticketId) AND ${current} AND (attribute_not_exists(frameWindow) OR frameWindow < :w)`,
      );
    const writes =
      this.lastWindows.get(ticketId) === window ? [sameWindow, newWindow] : [newWindow, sameWindow];
    let item: Item | undefined;
    for (let attempt = 0; attempt < 3 && !item; attempt++) {
      for (const write of writes) {
        try {
          item = (await write()).Attributes as Item;
          break;
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
        }
      }
      if (!item) {
        // Neither matched: the ticket is gone or expired, or a concurrent frame moved the window.
        const stored = await this.get(ticketId);
        if (!stored || stored.expiresAt <= now || stored.idleExpiresAt <= now) return undefined;
      }
    }
    if (item) this.rememberWindow(ticketId, window);
    if (!item) {
      // Still contended (or a window from a skewed clock): let the frame through uncounted.
      const stored = await this.get(ticketId);
      if (!stored || stored.expiresAt <= now || stored.idleExpiresAt <= now) return undefined;
      return { record: stored, framesInWindow: 0 };
    }
    const stored = recordOf(item);
    const record = { ...stored, idleExpiresAt: Math.min(stored.idleExpiresAt, stored.expiresAt) };
    if (activity && item.expiryMinute !== expiryMinuteOf(record.expiresAt, record.idleExpiresAt)) {
      // The expiry moved to another minute: keep the sweeper's index and the TTL in step.
      await this.touch(record, record.lastActivityAt, record.idleExpiresAt);
    }
    return { record, framesInWindow: Number(item.frameCount ?? 0) };
  }

  async attach(ticketId: string, at: number): Promise<void> {
    await this.conditionalUpdate({
      Key: { ticketId },
      UpdateExpression: 'SET attachedAt = :t REMOVE detachedAt, leftAt, leaveMinute',
      ConditionExpression: 'attribute_exists(ticketId)',
      ExpressionAttributeValues: { ':t': at },
    });
  }

  async detach(ticketId: string, at: number, checkedAt: number): Promise<void> {
    await this.conditionalUpdate({
      Key: { ticketId },
      UpdateExpression: 'SET detachedAt = :t, leaveMinute = :m',
      ConditionExpression:
        'attribute_exists(ticketId) AND (attribute_not_exists(attachedAt) OR attachedAt <= :c)',
      ExpressionAttributeValues: { ':t': at, ':c': checkedAt, ':m': leaveMinuteOf(at) },
    });
  }

  async leave(ticketId: string, at: number): Promise<void> {
    await this.conditionalUpdate({
      Key: { ticketId },
      UpdateExpression: 'SET leftAt = :t, leaveMinute = :m',
      ConditionExpression: 'attribute_exists(ticketId) AND attribute_not_exists(persistent)',
      ExpressionAttributeValues: { ':t': at, ':m': leaveMinuteOf(at) },
    });
  }

  /** An update that does nothing when its condition fails (the ticket was revoked meanwhile, say). */
  private async conditionalUpdate(input: Omit<UpdateCommandInput, 'TableName'>): Promise<void> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.tableName, ...input }));
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  expiringInMinute(minute: number): Promise<TicketRecord[]> {
    return this.queryAll('expiry-index', 'expiryMinute', minute);
  }

  leavingInMinute(minute: number): Promise<TicketRecord[]> {
    return this.queryAll('leave-index', 'leaveMinute', minute);
  }

  private async queryAll(indexName: string, key: string, minute: number): Promise<TicketRecord[]> {
    const out: TicketRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: '#m = :m',
          ExpressionAttributeNames: { '#m': key },
          ExpressionAttributeValues: { ':m': String(minute) },
          ExclusiveStartKey: startKey,
        }),
      );
      out.push(...(page.Items ?? []).map(recordOf));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  async delete(ticketId: string): Promise<boolean> {
    const result = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { ticketId }, ReturnValues: 'ALL_OLD' }),
    );
    return result.Attributes !== undefined;
  }
}

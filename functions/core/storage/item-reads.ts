import { setTimeout } from 'node:timers/promises';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One item read by its key, as a store describes it, so that a caller holding reads from two stores
 * (a ticket and its user) makes them in one request: `readItems`.
 */
export interface ItemRead<T> {
  readonly tableName: string;
  readonly key: Readonly<Record<string, string>>;
  /** The store's answer for the item read (undefined: there is none). */
  answer(item: Record<string, unknown> | undefined): T;
  /** The same read on its own, for a caller that cannot batch it. */
  alone(): Promise<T>;
}

type Answers<Reads extends readonly ItemRead<unknown>[]> = {
  -readonly [K in keyof Reads]: Reads[K] extends ItemRead<infer T> ? T : never;
};

/** Bounded asks for keys DynamoDB hands back unprocessed (it may, under load). */
const maximumAttempts = 5;
/** The wait before asking again, doubled each time, as DynamoDB asks of clients it throttles. */
const firstBackoffMs = 20;

/**
 * Reads items of different tables in one strongly consistent BatchGetItem (one key per table, at
 * most 100 reads), asking again for unprocessed keys after a short, growing wait; answers each
 * store's answer, in order.
 */
export async function readItems<const Reads extends readonly ItemRead<unknown>[]>(
  db: DynamoDBDocumentClient,
  reads: Reads,
): Promise<Answers<Reads>> {
  const tables = new Set(reads.map((read) => read.tableName));
  if (tables.size !== reads.length) throw new Error('readItems: one read per table');
  const found = new Map<string, Record<string, unknown>>();
  let pending: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined =
    Object.fromEntries(reads.map((read) => [read.tableName, { Keys: [read.key], ConsistentRead: true }]));
  for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
    if (attempt === maximumAttempts) throw new Error('readItems: keys still unprocessed after retries');
    if (attempt > 0) await setTimeout(firstBackoffMs * 2 ** (attempt - 1));
    const result = await db.send(new BatchGetCommand({ RequestItems: pending }));
    for (const [tableName, items] of Object.entries(result.Responses ?? {})) {
      const [item] = items;
      if (item) found.set(tableName, item);
    }
    pending = result.UnprocessedKeys as typeof pending;
  }
  return reads.map((read) => read.answer(found.get(read.tableName))) as Answers<Reads>;
}

import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ScanCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';

const batchSize = 25;
const waitLimitMs = 10_000;

async function describe(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

async function waitUntil(
  client: DynamoDBClient,
  name: string,
  done: (table: TableDescription | undefined) => boolean,
): Promise<void> {
  const deadline = Date.now() + waitLimitMs;
  while (!done(await describe(client, name))) {
    if (Date.now() > deadline) throw new Error(`table ${name} did not settle within ${waitLimitMs} ms`);
    await sleep(20);
  }
}

async function scanAll(client: DynamoDBClient, name: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: name, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

async function writeAll(
  client: DynamoDBClient,
  name: string,
  items: readonly Record<string, AttributeValue>[],
): Promise<void> {
  for (let i = 0; i < items.length; i += batchSize) {
    let requests = items.slice(i, i + batchSize).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [name]: requests } }));
      requests = (result.UnprocessedItems?.[name] ?? []).flatMap((r) =>
        r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : [],
      );
    }
  }
}

/**
 * Gives a table kept under DATA_DIR by an earlier version the global secondary indexes its
 * definition now lists. dynalite accepts an UpdateTable that creates an index but ignores it, so
 * the table is rebuilt instead: its items are read, the table is created again from the current
 * definition, and the items are written back (so tickets, contacts and presence survive an upgrade).
 */
export async function addMissingIndexes(
  client: DynamoDBClient,
  input: CreateTableCommandInput,
): Promise<void> {
  const name = input.TableName as string;
  const wanted = (input.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName);
  const table = await describe(client, name);
  const present = new Set((table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  if (!table || wanted.every((index) => present.has(index))) return;
  const items = await scanAll(client, name);
  await client.send(new DeleteTableCommand({ TableName: name }));
  await waitUntil(client, name, (t) => t === undefined);
  await client.send(new CreateTableCommand(input));
  await waitUntil(client, name, (t) => t?.TableStatus === 'ACTIVE');
  await writeAll(client, name, items);
}

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import {
  tables,
  type TableDefinition,
  type TableKey,
  type TableNames,
} from '../functions/core/storage/tables.ts';
import { localEndpointConfig } from '../functions/core/storage/dynamo.ts';
import { addMissingIndexes } from './dynamo-indexes.ts';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly tableNames: TableNames;
  /** Tables only the local runtime keeps, never deployed: which users the directory seed added. */
  readonly localTableNames: { readonly seedRecords: string };
  close(): Promise<void>;
}

const tablePrefix = 'cwa-';

function createTableInput(
  name: string,
  def: Pick<TableDefinition, 'partitionKey' | 'sortKey' | 'indexes'>,
): CreateTableCommandInput {
  const keys = new Set<string>([def.partitionKey]);
  if (def.sortKey) keys.add(def.sortKey);
  for (const index of def.indexes ?? []) {
    keys.add(index.partitionKey);
    if (index.sortKey) keys.add(index.sortKey);
  }
  const attributes: AttributeDefinition[] = [...keys].map((key) => ({
    AttributeName: key,
    AttributeType: 'S',
  }));
  const keySchema = (pk: string, sk?: string) => [
    { AttributeName: pk, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributes,
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.indexes?.length
      ? {
          GlobalSecondaryIndexes: def.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  };
}

/**
 * Starts dynalite (DynamoDB's API over LevelDB) in this process on a loopback port (`port`, 0 =
 * any free one), keeping its data under `path`, and creates the product's tables from their one
 * definition. Fails as `listen` does (EADDRINUSE) when the port is taken.
 */
export async function startLocalDynamo(path: string, port = 0): Promise<LocalDynamo> {
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient(localEndpointConfig(endpoint));
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  const tableNames = {} as Record<TableKey, string>;
  for (const [key, def] of Object.entries(tables) as [TableKey, TableDefinition][]) {
    const name = `${tablePrefix}${key}`;
    tableNames[key] = name;
    const input = createTableInput(name, def);
    if (!existing.has(name)) await client.send(new CreateTableCommand(input));
    else await addMissingIndexes(client, input);
  }
  const seedRecords = `${tablePrefix}seedRecords`;
  if (!existing.has(seedRecords)) {
    await client.send(new CreateTableCommand(createTableInput(seedRecords, { partitionKey: 'sipUri' })));
  }
  client.destroy();
  return {
    endpoint,
    tableNames,
    localTableNames: { seedRecords },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The contract suite's backends: every store test runs the same body against each entry of
 * `implementations`, the DynamoDB stores over dynalite and the embedded stores over LMDB.
 *
 * API (kept small and stable; other suites in test/stores/ rely on it):
 *
 * - `implementations`: `[{ name: 'dynamodb', setup }, { name: 'embedded', setup }]`.
 * - `impl.setup()`: starts a fresh, empty backend in its own folder under `os.tmpdir()` and answers
 *   a `StoreBackend`:
 *   - `dynamo` (dynamodb only): `{ client, tableNames, localTableNames }`, every product table
 *     (and the local runtime's own, `localTableNames.seedRecords`) created as `local/dynamo.ts`
 *     creates them;
 *   - `embedded` (embedded only): the open `EmbeddedDatabase` (after `restart()`, the reopened one);
 *   - `restart()` (embedded only): closes the database and opens the same folder again, as a
 *     process restart would; answers the reopened database;
 *   - `close()`: stops the backend and removes its folder.
 * - `useBackend(impl)`: calls `setup()` in `before` and `close()` in `after` of the enclosing
 *   `describe`, and answers the backend (its fields are readable once the tests run).
 *
 * Usage:
 *
 *     for (const impl of implementations) {
 *       describe(impl.name, () => {
 *         const backend = useBackend(impl);
 *         const store = () =>
 *           backend.dynamo
 *             ? new DynamoThingStore(backend.dynamo.client, backend.dynamo.tableNames.things)
 *             : new EmbeddedThingStore(backend.embedded!);
 *         it('...', async () => { ... });
 *       });
 *     }
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../../functions/embedded/database.ts';
import { createDocumentClient } from '../../../functions/core/storage/dynamo.ts';
import type { TableNames } from '../../../functions/core/storage/tables.ts';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamo.ts';

export type ImplementationName = 'dynamodb' | 'embedded';

/** A started backend: exactly one of `dynamo` and `embedded` is set. */
export interface StoreBackend {
  readonly dynamo?: {
    readonly client: DynamoDBDocumentClient;
    readonly tableNames: TableNames;
    /** Tables only the local runtime keeps (`LocalDynamo.localTableNames`). */
    readonly localTableNames: LocalDynamo['localTableNames'];
  };
  readonly embedded?: EmbeddedDatabase;
  /** Embedded only: closes the database and reopens its folder, as a restart would. */
  readonly restart?: () => Promise<EmbeddedDatabase>;
  close(): Promise<void>;
}

export interface StoreImplementation {
  readonly name: ImplementationName;
  /** Starts a fresh, empty backend. */
  setup(): Promise<StoreBackend>;
}

async function setupDynamo(): Promise<StoreBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'cwa-stores-dynamo-'));
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  const dynamo = await startLocalDynamo(join(dir, 'dynamodb'));
  const client = createDocumentClient(dynamo.endpoint);
  return {
    dynamo: { client, tableNames: dynamo.tableNames, localTableNames: dynamo.localTableNames },
    close: async () => {
      client.destroy();
      await dynamo.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function setupEmbedded(): Promise<StoreBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'cwa-stores-embedded-'));
  let db = openEmbeddedDatabase(dir);
  return {
    get embedded() {
      return db;
    },
    restart: async () => {
      await db.close();
      db = openEmbeddedDatabase(dir);
      return db;
    },
    close: async () => {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const implementations: readonly StoreImplementation[] = [
  { name: 'dynamodb', setup: setupDynamo },
  { name: 'embedded', setup: setupEmbedded },
];

/**
 * Starts `impl` before the enclosing `describe`'s tests and stops it after them. The answer's
 * fields are readable once the tests run.
 */
export function useBackend(impl: StoreImplementation): StoreBackend {
  let backend: StoreBackend | undefined;
  before(async () => {
    backend = await impl.setup();
  });
  after(async () => {
    await backend?.close();
  });
  const started = (): StoreBackend => {
    if (!backend) throw new Error(`the ${impl.name} backend starts in before(); read it inside a test`);
    return backend;
  };
  return {
    get dynamo() {
      return started().dynamo;
    },
    get embedded() {
      return started().embedded;
    },
    get restart() {
      return started().restart;
    },
    close: () => started().close(),
  };
}

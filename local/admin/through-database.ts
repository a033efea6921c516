import { join } from 'node:path';
import { systemClock } from '../../functions/core/clock.ts';
import type { ConnectionProbe, Notifier } from '../../functions/core/realtime/notifier.ts';
import { buildDeps } from '../../functions/deps.ts';
import { openEmbeddedDatabase } from '../../functions/embedded/database.ts';
import { embeddedStores } from '../../functions/embedded/stores.ts';
import { readRuntimeFile } from '../runtime-file.ts';
import type { Product } from './connect.ts';
import { adminPartsOf, perform } from './operations.ts';
import type { Reached } from './reach.ts';

/** No product runs, so no connection is live: there is nobody to send a frame to. */
const noLiveConnections: Notifier & ConnectionProbe = {
  send: () => Promise.resolve('gone'),
  close: () => Promise.resolve(),
  exists: () => Promise.resolve(false),
};

/**
 * The stopped product's embedded database, opened by this process: the product reads what changed
 * when it starts. Only one process may write it at a time, and no product runs on this DATA_DIR
 * (`productFrom` checked); one that starts meanwhile may miss the change, and is named.
 */
export async function throughDatabase(product: Extract<Product, { reach: 'database' }>): Promise<Reached> {
  const folder = join(product.dataDir, 'embedded');
  process.stderr.write(`The product is not running: working on its database in ${folder}.\n`);
  // A file left by a product that has ended; a product that starts meanwhile writes its own.
  const left = (await readRuntimeFile(product.dataDir))?.pid;
  const db = openEmbeddedDatabase(folder);
  try {
    const adapters = {
      stores: embeddedStores(db, systemClock),
      notifier: noLiveConnections,
      clock: systemClock,
    };
    // The admin command's own environment, as the product's would be (the directory provider).
    const deps = await buildDeps(process.env, adapters, product.settings);
    const parts = adminPartsOf(deps, product.directoryProvider);
    return {
      perform: (request) => perform(request, parts),
      async close() {
        await db.close();
        const started = await readRuntimeFile(product.dataDir).catch(() => undefined);
        if (started && started.pid !== left) {
          process.stderr.write(
            `A product started on this DATA_DIR (process ${started.pid}) while the command ran: ` +
              'restart it so that it reads the change.\n',
          );
        }
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

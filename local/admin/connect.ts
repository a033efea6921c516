import { resolve } from 'node:path';
import { readSettings, type Settings } from '../../functions/config.ts';
import { tables } from '../../functions/core/storage/tables.ts';
import { directoryProviderOf } from '../../functions/directory-config.ts';
import { readRuntimeFile, runtimeFileOf, type RuntimeFile } from '../runtime-file.ts';
import { ProductUnreachable } from './failures.ts';

/** The product to administer: the handlers' settings, and where its users come from. */
export interface Product {
  readonly settings: Settings;
  /** `builtin` (the product's own directory, which `users` manages) or `ldap`. */
  readonly directoryProvider: string;
  /** How the product on this machine runs (`npm start`'s mode); unset for a deployed product. */
  readonly mode?: RuntimeFile['mode'];
}

/**
 * Refuses a product in the embedded mode: its data is in the running product's own memory and
 * LMDB database, which this command does not reach; it reaches the AWS emulation's DynamoDB endpoint.
 */
export function refuseEmbeddedMode(product: Product): void {
  if (product.mode !== 'embedded') return;
  throw new ProductUnreachable(
    'The product runs in the embedded mode (npm start): the admin command needs the product started ' +
      'with --aws-emulation for now (npm start -- --aws-emulation, same DATA_DIR). Nothing was changed.',
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The product to administer. With the deployed settings in the environment (the tickets table
 * named), those, as a handler reads them on AWS. Otherwise the product running on this machine,
 * found through DATA_DIR/runtime.json.
 */
export async function productFrom(env: NodeJS.ProcessEnv): Promise<Product> {
  if (env[tables.tickets.envVar]) {
    return { settings: readSettings(env), directoryProvider: directoryProviderOf(env) };
  }
  const dataDir = resolve(env.DATA_DIR || '.data');
  const file = runtimeFileOf(dataDir);
  const running = await readRuntimeFile(dataDir);
  if (!running) {
    throw new ProductUnreachable(
      `The product is not running with DATA_DIR ${dataDir} (there is no ${file}). ` +
        'Start it with npm start (same DATA_DIR), or set the deployed settings (TICKETS_TABLE, …) to reach AWS.',
    );
  }
  if (!isRunning(running.pid)) {
    throw new ProductUnreachable(
      `The product is not running with DATA_DIR ${dataDir}: ${file} was left by process ${running.pid}, ` +
        'which has ended. Start the product again with npm start.',
    );
  }
  // The AWS SDK wants a region and credentials even for the local endpoints; these reach nothing real.
  env.AWS_REGION ||= 'local';
  env.AWS_ACCESS_KEY_ID ||= 'local';
  env.AWS_SECRET_ACCESS_KEY ||= 'local';
  return {
    settings: running.settings,
    // A product started before the file named its directory: as that product's environment said.
    directoryProvider: running.directoryProvider ?? directoryProviderOf(env),
    // A file from before the embedded mode: the emulation, the only mode there was.
    mode: running.mode ?? 'aws-emulation',
  };
}

const networkFailures = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'];

/** The product's tables live in its DynamoDB: a network failure means the product is not reachable. */
export async function reachingTheProduct<T>(settings: Settings, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
    if (!networkFailures.includes(code ?? '')) throw err;
    throw new ProductUnreachable(
      `Could not reach the product's database at ${settings.dynamoEndpoint ?? 'AWS'}: ${(err as Error).message}`,
    );
  }
}

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readSettings, type Settings } from '../../functions/config.ts';
import { tables } from '../../functions/core/storage/tables.ts';
import { directoryProviderOf } from '../../functions/directory-config.ts';
import { readRuntimeFile, runtimeFileOf, type AdminEndpointAddress } from '../runtime-file.ts';
import { ProductUnreachable } from './failures.ts';

/** The product to administer, and how this command reaches its data. */
export type Product =
  /** Deployed (its settings in the environment), or the AWS emulation running here: its DynamoDB. */
  | {
      readonly reach: 'dynamodb';
      readonly settings: Settings;
      /** `builtin` (the product's own directory, which `users` manages) or `ldap`. */
      readonly directoryProvider: string;
    }
  /** The embedded mode running here: its admin endpoint runs each request in the product. */
  | {
      readonly reach: 'endpoint';
      readonly endpoint: AdminEndpointAddress;
      readonly directoryProvider: string;
    }
  /** No product running on DATA_DIR: the embedded mode's database, which the command opens itself. */
  | {
      readonly reach: 'database';
      readonly dataDir: string;
      readonly settings: Settings;
      readonly directoryProvider: string;
    };

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The embedded mode's settings for a DATA_DIR, as `npm start` gives them to its handlers. */
function embeddedSettings(dataDir: string, env: NodeJS.ProcessEnv): Settings {
  return readSettings({
    ...env,
    ...Object.fromEntries(Object.values(tables).map((def) => [def.envVar, 'embedded'])),
    SIGNING_KEY_FILE: join(dataDir, 'ticket-signing-key'),
  });
}

/**
 * The product to administer. With the deployed settings in the environment (the tickets table
 * named), those, as a handler reads them on AWS. Otherwise the product on this machine, found
 * through DATA_DIR/runtime.json: while it runs, the AWS emulation's DynamoDB endpoint or the
 * embedded mode's admin endpoint; when no product runs there (no file, or one left by a process that
 * has ended), the embedded mode's database in DATA_DIR/embedded.
 */
export async function productFrom(env: NodeJS.ProcessEnv): Promise<Product> {
  if (env[tables.tickets.envVar]) {
    return { reach: 'dynamodb', settings: readSettings(env), directoryProvider: directoryProviderOf(env) };
  }
  const dataDir = resolve(env.DATA_DIR || '.data');
  const file = runtimeFileOf(dataDir);
  const running = await readRuntimeFile(dataDir);
  // A product started before the file named its directory: as that product's environment said.
  const directoryProvider = running?.directoryProvider ?? directoryProviderOf(env);
  // A file from before the embedded mode: the emulation, the only mode there was.
  const mode = running && (running.mode ?? 'aws-emulation');
  if (running && isRunning(running.pid)) {
    if (mode === 'aws-emulation') {
      // The AWS SDK wants a region and credentials even for the local endpoints; these reach nothing real.
      env.AWS_REGION ||= 'local';
      env.AWS_ACCESS_KEY_ID ||= 'local';
      env.AWS_SECRET_ACCESS_KEY ||= 'local';
      return { reach: 'dynamodb', settings: running.settings, directoryProvider };
    }
    if (!running.admin) {
      throw new ProductUnreachable(
        `The product running with DATA_DIR ${dataDir} (process ${running.pid}) has no admin endpoint in ` +
          `${file}: it was started by an older version. Restart it, then run the command again.`,
      );
    }
    return { reach: 'endpoint', endpoint: running.admin, directoryProvider };
  }
  const left = running
    ? `${file} was left by process ${running.pid}, which has ended`
    : `there is no ${file}`;
  if (mode === 'aws-emulation') {
    throw new ProductUnreachable(
      `The product is not running with DATA_DIR ${dataDir}: ${left}. It ran with --aws-emulation, whose ` +
        'data this command reaches only while it runs: start it again with npm start -- --aws-emulation.',
    );
  }
  if (existsSync(join(dataDir, 'embedded'))) {
    return {
      reach: 'database',
      dataDir,
      settings: running?.settings ?? embeddedSettings(dataDir, env),
      directoryProvider,
    };
  }
  if (existsSync(join(dataDir, 'dynamodb'))) {
    throw new ProductUnreachable(
      `The product is not running with DATA_DIR ${dataDir} (${left}), and its data there is the AWS ` +
        "emulation's, which this command reaches only while it runs: start it with npm start -- --aws-emulation.",
    );
  }
  throw new ProductUnreachable(
    `The product is not running with DATA_DIR ${dataDir} (${left}), and has no data there. ` +
      'Start it with npm start (same DATA_DIR), or set the deployed settings (TICKETS_TABLE, …) to reach AWS.',
  );
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

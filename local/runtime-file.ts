import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Settings } from '../functions/config.ts';

/**
 * Where the embedded mode's admin endpoint listens (loopback only), and the secret it asks for: a
 * random 32 bytes per start, base64url. Whoever reads this file administers the product.
 */
export interface AdminEndpointAddress {
  readonly url: string;
  readonly secret: string;
}

/**
 * How another process on this machine reaches the running product. Its state lives in its own
 * process: the AWS emulation's in dynalite, which the admin command reaches through the same
 * DynamoDB and `@connections` endpoints the handlers use; the embedded mode's in memory (over its
 * LMDB database), which only the product may change while it runs, so the admin command sends its
 * command to the product's admin endpoint instead.
 */
export interface RuntimeFile {
  /** The process that runs the product, to tell a file left behind by a crash from a live one. */
  readonly pid: number;
  /** `embedded` or `aws-emulation` (older files: the emulation). */
  readonly mode?: 'embedded' | 'aws-emulation';
  /** The handlers' settings: table names, the dynalite and `@connections` endpoints, the key file. */
  readonly settings: Settings;
  /**
   * Where the product's users come from (`builtin` or `ldap`, DIRECTORY_PROVIDER as it read it), so
   * the admin command refuses to manage users the product does not read.
   */
  readonly directoryProvider?: string;
  /** The embedded mode's admin endpoint (local/admin/endpoint.ts). */
  readonly admin?: AdminEndpointAddress;
}

export const runtimeFileOf = (dataDir: string): string => join(dataDir, 'runtime.json');

/**
 * Written once the product is listening; owner-only (mode 0600), since it names the signing key file
 * and holds the admin endpoint's secret.
 */
export async function writeRuntimeFile(dataDir: string, contents: RuntimeFile): Promise<void> {
  const file = runtimeFileOf(dataDir);
  // A file left by a crash may have other permissions; a fresh one gets these.
  await rm(file, { force: true });
  await writeFile(file, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

export async function removeRuntimeFile(dataDir: string): Promise<void> {
  await rm(runtimeFileOf(dataDir), { force: true });
}

/** The running product's file, or undefined when there is none. */
export async function readRuntimeFile(dataDir: string): Promise<RuntimeFile | undefined> {
  let text: string;
  try {
    text = await readFile(runtimeFileOf(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as RuntimeFile;
}

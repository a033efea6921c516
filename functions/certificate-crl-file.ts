import { readFileSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from './config.ts';
import { AppError } from './core/errors.ts';
import {
  parseRevocationLists,
  RevocationListError,
  type RevocationList,
  type RevocationSource,
} from './core/signin/certificate-revocation.ts';

/** The setting naming the file. */
export const crlFileSetting = 'CLIENT_CERT_CRL_FILE';

/** Reads and parses the file now; a `ConfigError` naming the setting when it is unusable (at start). */
export function readCrlFile(path: string): RevocationList[] {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    throw new ConfigError(`${crlFileSetting} ${path} cannot be read`);
  }
  try {
    return parseRevocationLists(data);
  } catch (err) {
    if (err instanceof RevocationListError) {
      throw new ConfigError(`${crlFileSetting} ${path}: ${err.message}`);
    }
    throw err;
  }
}

/** What tells one version of the file from the next: replaced (a new inode), rewritten, touched. */
const versionOf = (stats: Stats): string => `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;

/**
 * The CA revocation lists from `CLIENT_CERT_CRL_FILE`, read again whenever the file changes (one
 * `stat` per certificate sign-in), so a CA's new list counts from the next sign-in without a
 * restart. The start checked the file (`readCrlFile`, a `ConfigError` naming the setting); one that
 * cannot be read or parsed later refuses certificate sign-ins (`certificate_status_unavailable`)
 * until it can: the previous lists may lack the revocation the new file was meant to add. Every
 * such failure is logged, once per version of the file.
 */
export class CrlFile implements RevocationSource {
  private version: string | undefined;
  private current: readonly RevocationList[] = [];
  private failedVersion: string | undefined;

  constructor(private readonly path: string) {}

  async lists(): Promise<readonly RevocationList[]> {
    let version: string;
    try {
      version = versionOf(await stat(this.path));
    } catch (err) {
      throw this.failure('stat', err);
    }
    if (version === this.version) return this.current;
    try {
      const lists = parseRevocationLists(await readFile(this.path));
      this.current = lists;
      this.version = version;
      this.failedVersion = undefined;
      return lists;
    } catch (err) {
      throw this.failure(version, err);
    }
  }

  private failure(version: string, err: unknown): AppError {
    if (this.failedVersion !== version) {
      this.failedVersion = version;
      console.error(
        JSON.stringify({
          level: 'error',
          message: `${crlFileSetting} ${this.path} cannot be used; certificate sign-ins are refused until it can`,
          error: String(err instanceof Error ? err.message : err),
        }),
      );
    }
    return new AppError(
      'certificate_status_unavailable',
      'Whether the certificate was revoked cannot be told right now: the revocation list cannot be read.',
    );
  }
}

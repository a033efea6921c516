import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { defaultCost, hashPassword, type ScryptCost } from '../../functions/core/directory/passwords.ts';
import type { SeedGenerateCommand } from './seed-arguments.ts';

/**
 * The cost of generated users' hashes unless `--full-cost`: scrypt N=2^10, r=8, p=1 (1 MiB, about a
 * millisecond), so 1,000 users generate in seconds where the product's cost takes a tenth of a second
 * or more each. Load-test accounts only: a sign-in against such a hash is cheaper than against an
 * unknown user's, which tells an observer the account exists.
 */
export const loadTestCost: ScryptCost = { logN: 10, r: 8, p: 1 };

/** A generated seed: its file text, and the CSV of who signs in with what. */
export interface GeneratedSeed {
  readonly seed: string;
  readonly passwords: string;
}

/** `LOADTEST` → `loadtest.example`; a name with a dot is a DNS domain already. */
const sipDomainOf = (domain: string): string =>
  domain.includes('.') ? domain.toLowerCase() : `${domain.toLowerCase()}.example`;

/** Runs `work` over `items`, at most `limit` at a time, keeping their order. */
async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * A directory seed (docs/directory.md) of `users` generated users, enabled with enhanced presence and
 * remote access, each with the next `contacts` users (in a ring) on their contact list so a presence
 * change fans out to `contacts` watchers. Each has a random password; the seed holds only its hash.
 */
export async function generateSeed(
  command: Pick<SeedGenerateCommand, 'users' | 'domain' | 'contacts' | 'fullCost'>,
): Promise<GeneratedSeed> {
  const width = String(command.users).length;
  const sipDomain = sipDomainOf(command.domain);
  const people = Array.from({ length: command.users }, (_, i) => {
    const number = String(i + 1).padStart(width, '0');
    return {
      username: `user${number}`,
      sipUri: `sip:user${number}@${sipDomain}`,
      displayName: `Load User ${number}`,
      password: randomBytes(12).toString('base64url'),
    };
  });
  const cost = command.fullCost ? defaultCost : loadTestCost;
  // scrypt runs on libuv's thread pool: this many at once keeps every core busy and memory bounded.
  const hashes = await inPool(people, availableParallelism(), (p) => hashPassword(p.password, cost));
  const users = people.map((p, i) => ({
    username: p.username,
    sipUri: p.sipUri,
    displayName: p.displayName,
    passwordHash: hashes[i],
    enabled: true,
    enhancedPresence: true,
    remoteAccess: true,
    contacts: Array.from(
      { length: command.contacts },
      (_, k) => (people[(i + 1 + k) % people.length] as (typeof people)[number]).sipUri,
    ),
  }));
  // One user a line: a large seed stays readable and diffable without pretty-printing every field.
  const seed = `{
  "domain": ${JSON.stringify(command.domain)},
  "users": [
${users.map((u) => `    ${JSON.stringify(u)}`).join(',\n')}
  ]
}
`;
  // The columns `users import` reads, so the same file can set these passwords elsewhere.
  const passwords = `username,sipUri,password\n${people.map((p) => `${p.username},${p.sipUri},${p.password}`).join('\n')}\n`;
  return { seed, passwords };
}

/** Writes a file only its owner can read, whatever permissions a file of that name had. */
export async function writeOwnerOnly(path: string, text: string): Promise<void> {
  await rm(path, { force: true });
  await writeFile(path, text, { mode: 0o600, flag: 'wx' });
}

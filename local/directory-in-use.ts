import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DirectorySettings } from '../functions/directory-config.ts';
import { loadSeed, readSeedFile, usersWithPasswords, type SeedStores } from './seed.ts';

/** The bundled demo directory: five users whose passwords are public, for trying the product. */
export const demoSeedPath = fileURLToPath(new URL('./demo-directory.json', import.meta.url));

/** Where the running product's users come from, as its start banner tells the administrator. */
export type DirectoryInUse =
  /** The bundled demo directory in the built-in one: its users and their (public) passwords. */
  | {
      readonly kind: 'demo';
      readonly domain: string;
      readonly users: readonly { username: string; password: string; sipUri: string }[];
    }
  /** The administrator's own seed file: how many users it names and how many this start added. */
  | {
      readonly kind: 'seed';
      readonly domain: string;
      readonly file: string;
      readonly users: number;
      readonly added: number;
    }
  /**
   * The organisation's directory over LDAP: no seed is loaded, nobody is added here; a seed file
   * named all the same (DIRECTORY_SEED) is left unread, and the banner says so.
   */
  | { readonly kind: 'ldap'; readonly domain: string; readonly url: string; readonly unusedSeed?: string };

/**
 * Fills the built-in directory from the seed file (`seedPath`, DIRECTORY_SEED; the demo directory
 * when unset), adding only the users it lacks. With the directory over LDAP, the product reads no
 * seed and adds nobody: its users are the directory's (a user added to the built-in directory could
 * never sign in).
 */
export async function prepareDirectory(
  settings: DirectorySettings,
  seedPath: string | undefined,
  stores: SeedStores,
  now: number,
): Promise<DirectoryInUse> {
  if (settings.provider === 'ldap') {
    const unused = seedPath === undefined ? {} : { unusedSeed: resolve(seedPath) };
    return { kind: 'ldap', domain: settings.domain, url: settings.url, ...unused };
  }
  const file = resolve(seedPath ?? demoSeedPath);
  const seed = await readSeedFile(file);
  const { added } = await loadSeed(seed, stores, now);
  if (file === demoSeedPath) {
    const users = usersWithPasswords(seed).map(({ username, password, sipUri }) => ({
      username,
      password,
      sipUri,
    }));
    return { kind: 'demo', domain: seed.domain, users };
  }
  return { kind: 'seed', domain: seed.domain, file, users: seed.users.length, added: added.length };
}

const count = (n: number, noun: string): string => `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;

/**
 * The start banner's lines about users. Passwords only for the bundled demo directory, whose
 * passwords are public anyway: an administrator's own seed holds real ones, and the banner ends up
 * in terminals and logs.
 */
export function describeDirectory(directory: DirectoryInUse): string {
  switch (directory.kind) {
    case 'demo':
      return [
        `Sign in with domain ${directory.domain} and one of the demo users:`,
        ...directory.users.map((u) => `  ${u.username.padEnd(8)} ${u.password.padEnd(18)} ${u.sipUri}`),
      ].join('\n');
    case 'seed':
      return [
        `Users: the built-in directory, domain ${directory.domain}, seeded from ${directory.file}`,
        `  (${count(directory.users, 'user')} there; ${directory.added.toLocaleString('en')} added at this start, the others kept as stored).`,
        '  Passwords are not shown; list the users with: npm run admin -- users list',
      ].join('\n');
    case 'ldap':
      return [
        `Users: from the LDAP directory at ${directory.url} (DIRECTORY_PROVIDER=ldap), domain ${directory.domain}.`,
        '  Sign in with a directory account; no demo users are loaded, and users are managed in the directory.',
        ...(directory.unusedSeed
          ? [
              `  DIRECTORY_SEED (${directory.unusedSeed}) is not used: a seed fills only the built-in directory.`,
            ]
          : []),
      ].join('\n');
  }
}

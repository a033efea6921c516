import { readFile } from 'node:fs/promises';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hashPassword } from '../functions/core/directory/passwords.ts';
import { normalizeSipUri, type WritableDirectoryStore } from '../functions/core/directory/store.ts';
import type { WindowsIdentityStore } from '../functions/core/directory/windows-identities.ts';
import { ntHash } from '../functions/core/ntlm/md4.ts';
import type { ContactStore } from '../functions/core/realtime/contacts-store.ts';

/** One user of a directory seed file (format in docs/directory.md). */
export interface SeedUser {
  readonly username: string;
  /**
   * The user's password, hashed when the seed adds the user. Not needed when `passwordHash` is given
   * (so the seed need not hold it: `npm run admin -- users hash` prints one), unless `ntlm` is set.
   */
  readonly password?: string;
  readonly sipUri: string;
  readonly displayName: string;
  readonly enabled: boolean;
  readonly enhancedPresence: boolean;
  readonly remoteAccess: boolean;
  readonly contacts: readonly string[];
  /** Optional: the user's Kerberos principal (`alice@EXAMPLE.TEST`) for Windows sign-in. */
  readonly kerberosPrincipal?: string;
  /**
   * Optional: NTLM enabled for the user, so the user's NT hash (password-equivalent) is stored for
   * the NTLM fallback of Windows sign-in, when the seed adds the user. Without it no NT hash is kept.
   */
  readonly ntlm?: boolean;
  /**
   * Optional: the password already hashed (`scrypt$…`, as stored), so a large seed loads without
   * hashing every password at start and need not hold the password. Stored as given; with `password`
   * too, it is the seed author's to keep them matching.
   */
  readonly passwordHash?: string;
  /** Optional: two-factor sign-in required of the user (password-only sign-in refused). */
  readonly twoFactorRequired?: boolean;
}

export interface DirectorySeed {
  readonly domain: string;
  readonly users: readonly SeedUser[];
}

/** The seed's users whose password it holds, not only a hash: those a demo can set up elsewhere too. */
export const usersWithPasswords = (seed: DirectorySeed): (SeedUser & { readonly password: string })[] =>
  seed.users.flatMap((user) => (user.password === undefined ? [] : [{ ...user, password: user.password }]));

export class SeedError extends Error {
  override readonly name = 'SeedError';
}

const sipUriPattern = /^sip:[^\s@<>"]+@[^\s@<>"]+$/i;

function field<T>(user: Record<string, unknown>, name: string, kind: 'string' | 'boolean', where: string): T {
  const value = user[name];
  if (typeof value !== kind || (kind === 'string' && (value as string).trim() === '')) {
    throw new SeedError(
      `${where}: "${name}" must be a ${kind === 'string' ? 'non-empty string' : 'boolean'}`,
    );
  }
  return value as T;
}

/** Checks a parsed seed file; every problem names the user and field it is about. */
export function parseSeed(raw: unknown): DirectorySeed {
  const seed = raw as { domain?: unknown; users?: unknown };
  if (typeof seed?.domain !== 'string' || seed.domain.trim() === '') {
    throw new SeedError('"domain" must be a non-empty string');
  }
  if (!Array.isArray(seed.users)) throw new SeedError('"users" must be a list');
  const users = seed.users.map((entry: unknown, i: number): SeedUser => {
    if (typeof entry !== 'object' || entry === null) throw new SeedError(`users[${i}] must be an object`);
    const user = entry as Record<string, unknown>;
    const where = `users[${i}]`;
    const sipUri = field<string>(user, 'sipUri', 'string', where);
    if (!sipUriPattern.test(sipUri)) throw new SeedError(`${where}: "sipUri" must look like sip:user@domain`);
    const contacts = user.contacts ?? [];
    if (!Array.isArray(contacts) || !contacts.every((c) => typeof c === 'string')) {
      throw new SeedError(`${where}: "contacts" must be a list of SIP URIs`);
    }
    return {
      username: field(user, 'username', 'string', where),
      sipUri: normalizeSipUri(sipUri),
      displayName: field(user, 'displayName', 'string', where),
      enabled: field(user, 'enabled', 'boolean', where),
      enhancedPresence: field(user, 'enhancedPresence', 'boolean', where),
      remoteAccess: field(user, 'remoteAccess', 'boolean', where),
      contacts: contacts.map((c: string) => normalizeSipUri(c)),
      ...windowsFields(user, where),
      ...passwordFields(user, where),
      ...(user.twoFactorRequired === undefined
        ? {}
        : { twoFactorRequired: field(user, 'twoFactorRequired', 'boolean', where) }),
    };
  });
  const bySipUri = new Map<string, number>();
  const byUsername = new Map<string, number>();
  users.forEach((user, i) => {
    const sameUri = bySipUri.get(user.sipUri);
    if (sameUri !== undefined) {
      throw new SeedError(
        `users[${i}]: "sipUri" ${user.sipUri} is already used by users[${sameUri}] (each SIP URI must be unique)`,
      );
    }
    const name = user.username.toLowerCase();
    const sameName = byUsername.get(name);
    if (sameName !== undefined) {
      throw new SeedError(`users[${i}]: "username" ${user.username} is already used by users[${sameName}]`);
    }
    bySipUri.set(user.sipUri, i);
    byUsername.set(name, i);
  });
  const known = new Set(bySipUri.keys());
  for (const user of users) {
    const unknown = user.contacts.find((c) => !known.has(c));
    if (unknown) throw new SeedError(`${user.sipUri}: contact ${unknown} is not a user of this directory`);
  }
  return { domain: seed.domain, users };
}

function windowsFields(
  user: Record<string, unknown>,
  where: string,
): Pick<SeedUser, 'kerberosPrincipal' | 'ntlm'> {
  const { kerberosPrincipal: principal, ntlm } = user;
  if (ntlm !== undefined && typeof ntlm !== 'boolean') {
    throw new SeedError(`${where}: "ntlm" must be a boolean`);
  }
  const ntlmField = ntlm === true ? { ntlm } : {};
  if (principal === undefined) return ntlmField;
  if (typeof principal !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(principal)) {
    throw new SeedError(`${where}: "kerberosPrincipal" must look like name@REALM`);
  }
  return { kerberosPrincipal: principal, ...ntlmField };
}

/** The password, its hash, or both; NTLM's NT hash is made from the password, so it needs that. */
function passwordFields(
  user: Record<string, unknown>,
  where: string,
): Pick<SeedUser, 'password' | 'passwordHash'> {
  const hashed = passwordHashField(user, where);
  if (user.password !== undefined || !hashed.passwordHash) {
    return { password: field(user, 'password', 'string', where), ...hashed };
  }
  if (user.ntlm === true) {
    throw new SeedError(
      `${where}: "ntlm" needs "password" (the NT hash is made from it), not only "passwordHash"`,
    );
  }
  return hashed;
}

function passwordHashField(user: Record<string, unknown>, where: string): Pick<SeedUser, 'passwordHash'> {
  const hash = user.passwordHash;
  if (hash === undefined) return {};
  if (typeof hash !== 'string' || !/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(hash)) {
    throw new SeedError(`${where}: "passwordHash" must be a scrypt hash (scrypt$logN$r$p$salt$hash)`);
  }
  return { passwordHash: hash };
}

export async function readSeedFile(path: string): Promise<DirectorySeed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SeedError(`cannot read directory seed ${path}: ${(err as Error).message}`);
  }
  try {
    return parseSeed(JSON.parse(text));
  } catch (err) {
    if (err instanceof SeedError) throw new SeedError(`${path}: ${err.message}`);
    throw new SeedError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Which users the directory seed has added to this store (one item per SIP URI, in a table only the
 * local runtime has), so a later start adds only users it never added before.
 */
export interface SeedRecords {
  has(sipUri: string): Promise<boolean>;
  add(sipUri: string, at: number): Promise<void>;
}

export class DynamoSeedRecords implements SeedRecords {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async has(sipUri: string): Promise<boolean> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { sipUri }, ConsistentRead: true }),
    );
    return result.Item !== undefined;
  }

  async add(sipUri: string, at: number): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { sipUri, seededAt: at } }));
  }
}

export interface SeedStores {
  readonly directory: WritableDirectoryStore;
  readonly contacts: ContactStore;
  readonly windowsIdentities?: WindowsIdentityStore;
  readonly seedRecords: SeedRecords;
}

/** What a start did with the seed: the users it added, and those it left as they are stored. */
export interface SeedOutcome {
  readonly added: readonly string[];
  readonly kept: readonly string[];
}

/**
 * Adds the seed's users the store does not have and the seed never added before (a user it added
 * once is never added again, whatever became of them): their account (password hashed, unless the
 * seed gives the hash), Windows identities and contact list. Users already stored are left exactly
 * as they are (policy, password, NT hash, Kerberos principal, contacts and groups), so a restart
 * keeps what administrators and users changed; a seed user whose SIP URI or user name is taken
 * counts as stored.
 */
export async function loadSeed(seed: DirectorySeed, stores: SeedStores, now: number): Promise<SeedOutcome> {
  const decided = await Promise.all(
    seed.users.map(async (user) => ({ user, add: await isNew(seed.domain, user, stores) })),
  );
  const adding = decided.filter((d) => d.add).map((d) => d.user);
  await Promise.all(adding.map((user) => addUser(seed.domain, user, stores)));
  const names = new Map(seed.users.map((u) => [u.sipUri, u.displayName]));
  await Promise.all(
    adding.map(async (user) => {
      for (const contact of user.contacts) {
        await stores.contacts.add(
          user.sipUri,
          { sipUri: contact, displayName: names.get(contact) ?? contact },
          now,
        );
      }
    }),
  );
  // Every seed user is recorded, those found stored too: none of them is ever added again.
  await Promise.all(seed.users.map((user) => stores.seedRecords.add(user.sipUri, now)));
  return {
    added: adding.map((u) => u.sipUri),
    kept: decided.filter((d) => !d.add).map((d) => d.user.sipUri),
  };
}

async function isNew(domain: string, user: SeedUser, stores: SeedStores): Promise<boolean> {
  const [seeded, bySipUri, byAccount] = await Promise.all([
    stores.seedRecords.has(user.sipUri),
    stores.directory.findBySipUri(user.sipUri),
    stores.directory.findByAccount(domain, user.username),
  ]);
  return !seeded && !bySipUri && !byAccount;
}

async function addUser(domain: string, user: SeedUser, stores: SeedStores): Promise<void> {
  await stores.directory.put({
    sipUri: user.sipUri,
    domain,
    username: user.username,
    displayName: user.displayName,
    enabled: user.enabled,
    enhancedPresence: user.enhancedPresence,
    remoteAccess: user.remoteAccess,
    passwordHash: await storedHashOf(user),
    ...(user.twoFactorRequired ? { twoFactorRequired: true } : {}),
  });
  if (user.kerberosPrincipal) {
    await stores.windowsIdentities?.putKerberos(user.kerberosPrincipal, user.sipUri);
  }
  if (user.ntlm && user.password !== undefined) {
    const account = { sipUri: user.sipUri, ntHash: ntHash(user.password) };
    await stores.windowsIdentities?.putNtlm(domain, user.username, account);
  }
}

/** The hash to store: the seed's, or its password's. */
async function storedHashOf(user: SeedUser): Promise<string> {
  if (user.passwordHash !== undefined) return user.passwordHash;
  if (user.password === undefined) throw new SeedError(`${user.sipUri}: no "password" or "passwordHash"`);
  return hashPassword(user.password);
}

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';

/**
 * Password hashes are scrypt, stored as `scrypt$<logN>$<r>$<p>$<salt b64>$<hash b64>` so the cost can
 * be raised later without breaking stored hashes. Default cost: N=2^15, r=8, p=3 (OWASP's scrypt
 * equivalents table; 32 MiB per hash).
 */
export interface ScryptCost {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

export const defaultCost: ScryptCost = { logN: 15, r: 8, p: 3 };
const keyLength = 32;
const maxMemoryBytes = 256 * 1024 * 1024;

/**
 * Every scrypt derivation is published here with its cost (never the password or salt), so a test or
 * an operator's tracer can see that an unknown user and a wrong password cost the same hashing work
 * without timing it. Publishing costs nothing while nobody subscribes (Node's diagnostics_channel).
 */
export const passwordHashChannel = channel('web-communicator:password-hash');

/** What `passwordHashChannel` publishes for one derivation. */
export interface PasswordHashEvent {
  readonly cost: ScryptCost;
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  if (passwordHashChannel.hasSubscribers) {
    passwordHashChannel.publish({ cost: { ...cost } } satisfies PasswordHashEvent);
  }
  const options: ScryptOptions = { N: 2 ** cost.logN, r: cost.r, p: cost.p, maxmem: maxMemoryBytes };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string, cost: ScryptCost = defaultCost): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, cost);
  return ['scrypt', cost.logN, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

interface ParsedHash {
  readonly cost: ScryptCost;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function parse(stored: string): ParsedHash | undefined {
  const [scheme, logN, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return undefined;
  const cost = { logN: Number(logN), r: Number(r), p: Number(p) };
  const sane = [cost.logN, cost.r, cost.p].every((n) => Number.isInteger(n) && n > 0);
  // A stored hash whose cost would exceed the memory limit (or take minutes) is treated as corrupt.
  if (!sane || cost.logN > 20 || cost.p > 16 || 128 * cost.r * 2 ** cost.logN > maxMemoryBytes / 2) {
    return undefined;
  }
  return { cost, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

/** A hash of nothing anyone knows, verified when the user does not exist so both paths cost the same. */
const dummy: ParsedHash = {
  cost: defaultCost,
  salt: Buffer.alloc(16, 7),
  hash: Buffer.alloc(keyLength, 0),
};

/**
 * Checks a password in constant time. With no stored hash (unknown user) it still does the full
 * scrypt work against a dummy hash and answers false, so timing does not reveal which users exist.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = (stored && parse(stored)) || undefined;
  const target = parsed ?? dummy;
  const candidate = await derive(password, target.salt, target.cost);
  const same = candidate.length === target.hash.length && timingSafeEqual(candidate, target.hash);
  return parsed !== undefined && same;
}

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashPassword } from '../../functions/core/directory/passwords.ts';

export interface BenchUser {
  readonly username: string;
  readonly password: string;
  readonly sipUri: string;
}

/** Who is who in the generated bench directory. */
export interface BenchDirectory {
  readonly domain: string;
  /** Users whose password hash has the product's cost (scrypt N=2^15, r=8, p=3). */
  readonly signInUsers: readonly BenchUser[];
  /** Users whose stored hash costs next to nothing, so a sign-in shows the product's own overhead. */
  readonly cheapSignInUsers: readonly BenchUser[];
  /** Sender → receiver pairs for the IM figures. */
  readonly imPairs: readonly { readonly from: string; readonly to: string }[];
  /** A watched user per watcher count, and the users who have them on their contact list. */
  readonly watched: readonly { readonly sipUri: string; readonly watchers: readonly string[] }[];
  /** Two users on each other's contact list, for counting requests per action. */
  readonly pair: readonly [BenchUser, BenchUser];
}

export interface BenchDirectorySize {
  readonly signInUsers: number;
  readonly imPairs: number;
  /** Watcher counts; the largest is how many watchers the directory has. */
  readonly watcherCounts: readonly number[];
}

const domain = 'BENCH';
const password = 'bench-pass-0123';
const sipUriOf = (username: string) => `sip:${username}@bench.example`;
const pad = (n: number) => String(n).padStart(3, '0');

/**
 * Writes a directory seed for the benchmark (the seed format of docs/directory.md) with precomputed password
 * hashes: one at the product's cost shared by the sign-in users, and a cheap one for everyone else,
 * so hundreds of users load in seconds.
 */
export async function writeBenchSeed(
  dir: string,
  size: BenchDirectorySize,
): Promise<{ path: string; directory: BenchDirectory }> {
  const productHash = await hashPassword(password);
  const cheapHash = await hashPassword(password, { logN: 1, r: 1, p: 1 });
  const users: Record<string, unknown>[] = [];
  const add = (username: string, displayName: string, passwordHash: string, contacts: string[] = []) => {
    users.push({
      username,
      password,
      passwordHash,
      sipUri: sipUriOf(username),
      displayName,
      enabled: true,
      enhancedPresence: true,
      remoteAccess: true,
      contacts,
    });
    return { username, password, sipUri: sipUriOf(username) };
  };
  const signInUsers = Array.from({ length: size.signInUsers }, (_, i) =>
    add(`signin-${pad(i)}`, `Sign-in ${pad(i)}`, productHash),
  );
  const cheapSignInUsers = Array.from({ length: size.signInUsers }, (_, i) =>
    add(`quick-${pad(i)}`, `Quick sign-in ${pad(i)}`, cheapHash),
  );
  const imPairs = Array.from({ length: size.imPairs }, (_, i) => ({
    from: add(`sender-${pad(i)}`, `Sender ${pad(i)}`, cheapHash).sipUri,
    to: add(`receiver-${pad(i)}`, `Receiver ${pad(i)}`, cheapHash).sipUri,
  }));
  const counts = [...size.watcherCounts].sort((a, b) => a - b);
  const watched = counts.map((count) => ({
    sipUri: add(`watched-${count}`, `Watched by ${count}`, cheapHash).sipUri,
    count,
  }));
  const maxWatchers = counts.at(-1) ?? 0;
  const watchers = Array.from({ length: maxWatchers }, (_, i) =>
    add(
      `watcher-${pad(i)}`,
      `Watcher ${pad(i)}`,
      cheapHash,
      watched.filter((w) => i < w.count).map((w) => w.sipUri),
    ),
  );
  const pair = [
    add('pair-a', 'Pair A', cheapHash, [sipUriOf('pair-b')]),
    add('pair-b', 'Pair B', cheapHash, [sipUriOf('pair-a')]),
  ] as const;
  const path = join(dir, 'bench-directory.json');
  await writeFile(path, JSON.stringify({ domain, users }));
  return {
    path,
    directory: {
      domain,
      signInUsers,
      cheapSignInUsers,
      imPairs,
      watched: watched.map((w) => ({
        sipUri: w.sipUri,
        watchers: watchers.slice(0, w.count).map((u) => u.sipUri),
      })),
      pair,
    },
  };
}

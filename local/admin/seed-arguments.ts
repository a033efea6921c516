import { UsageError } from './failures.ts';
import { parseOptions } from './user-arguments.ts';

/** `seed generate`: a directory seed of generated users for load tests. */
export interface SeedGenerateCommand {
  readonly kind: 'seed.generate';
  readonly users: number;
  /** The sign-in domain (`CONTOSO`); the SIP URIs' domain follows from it. */
  readonly domain: string;
  /** Where the seed goes; unset = standard output. */
  readonly out?: string;
  /** Where the passwords go (owner-only); unset = next to `out`, or `seed-passwords.csv`. */
  readonly passwords?: string;
  /** How many others each user has on their contact list (and so watches). */
  readonly contacts: number;
  /** Hash at the product's cost instead of the light load-test cost. */
  readonly fullCost: boolean;
}

export const seedLimits = { maxUsers: 100_000, maxContacts: 1_000, defaultContacts: 10 } as const;

export const seedUsage = `  seed generate --users <N> [--domain <DOMAIN>] [--out <seed.json>] [--passwords <file.csv>]
                [--contacts <K>] [--full-cost]
                                    a directory seed of N generated users (at most 100,000) for
                                    load tests, each with K contacts (default 10); their passwords
                                    go to a separate owner-only CSV file, the seed holds only hashes
                                    (a light scrypt cost unless --full-cost); needs no running product`;

function count(value: string | undefined, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max.toLocaleString('en')}.`);
  }
  return n;
}

/** Reads the arguments after `seed`; throws a `UsageError` saying what is wrong. */
export function parseSeedArguments(action: string | undefined, rest: readonly string[]): SeedGenerateCommand {
  if (action === undefined) throw new UsageError('seed needs an action: generate.');
  if (action !== 'generate') throw new UsageError(`Unknown action seed ${action}; use generate.`);
  const { positional, values, flags } = parseOptions(
    rest,
    ['--users', '--domain', '--out', '--passwords', '--contacts'],
    ['--full-cost'],
  );
  if (positional.length > 0) throw new UsageError(`Unexpected ${positional.join(' ')}.`);
  const users = count(values.get('--users'), '--users', 1, seedLimits.maxUsers);
  if (users === undefined)
    throw new UsageError('seed generate needs --users <N>, how many users to generate.');
  const contacts =
    count(values.get('--contacts'), '--contacts', 0, seedLimits.maxContacts) ??
    Math.min(seedLimits.defaultContacts, users - 1);
  if (contacts > users - 1) {
    throw new UsageError(`--contacts ${contacts} is more than the other ${users - 1} users.`);
  }
  const domain = values.get('--domain') ?? 'LOADTEST';
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/.test(domain)) {
    throw new UsageError(`${domain} is not a domain name (e.g. LOADTEST or loadtest.example).`);
  }
  const out = values.get('--out');
  const passwords = values.get('--passwords');
  if (out !== undefined && out === passwords) {
    throw new UsageError('--out and --passwords must be different files.');
  }
  return {
    kind: 'seed.generate',
    users,
    domain,
    contacts,
    fullCost: flags.has('--full-cost'),
    ...(out === undefined ? {} : { out }),
    ...(passwords === undefined ? {} : { passwords }),
  };
}

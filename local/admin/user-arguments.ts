import type { UserChange } from '../../functions/core/directory/user-admin.ts';
import { UsageError } from './failures.ts';

/** What `npm run admin -- users …` was asked to do. */
export type UsersCommand =
  | { readonly kind: 'users.list'; readonly domain?: string }
  /** A seed file's `passwordHash` of a password read from standard input; needs no running product. */
  | { readonly kind: 'users.hash' }
  | {
      readonly kind: 'users.add' | 'users.set';
      readonly domain?: string;
      readonly change: UserChange;
      /** Ask for a (new) password on the terminal, or read it from standard input. */
      readonly askPassword: boolean;
    }
  | {
      readonly kind: 'users.import';
      readonly domain?: string;
      readonly file: string;
      readonly dryRun: boolean;
    };

export const usersUsage = `  users list                        list the built-in directory's users and their policy
  users add <username> --sip-uri <sip:…> --name <display name> [flags]
                                    add a user; the password is asked for (or read from stdin)
  users set <username> [--name <display name>] [flags] [--password]
                                    change a user; --password asks for a new password
  users disable <username>          withdraw "enabled for the service" (tickets stop at the next request)
  users enable <username>
  users import <file.csv|file.json> [--dry-run]
                                    add or change many users; --dry-run reports what would change
  users hash                        print the passwordHash of a password (asked for, or read from
                                    stdin) for a directory seed file; needs no running product
  flags: --enabled | --disabled, --enhanced-presence | --no-enhanced-presence,
         --remote-access | --no-remote-access, --two-factor | --no-two-factor,
         --ntlm | --no-ntlm (NTLM keeps a password-equivalent hash: it needs the password given too),
         --domain <DOMAIN> (default: the directory's domain)
  Passwords are never command-line arguments: they are asked for, or read from standard input.`;

type PolicyField = 'enabled' | 'enhancedPresence' | 'remoteAccess' | 'twoFactorRequired' | 'ntlm';

const switches: Readonly<Record<string, readonly [PolicyField, boolean]>> = {
  '--enabled': ['enabled', true],
  '--disabled': ['enabled', false],
  '--enhanced-presence': ['enhancedPresence', true],
  '--no-enhanced-presence': ['enhancedPresence', false],
  '--remote-access': ['remoteAccess', true],
  '--no-remote-access': ['remoteAccess', false],
  '--two-factor': ['twoFactorRequired', true],
  '--no-two-factor': ['twoFactorRequired', false],
  '--ntlm': ['ntlm', true],
  '--no-ntlm': ['ntlm', false],
};

export interface ParsedOptions {
  readonly positional: string[];
  readonly values: Map<string, string>;
  readonly flags: Set<string>;
}

/**
 * Options in any order: `valued` ones take the next argument, `allowed` ones stand alone, anything
 * else starting with `--` is refused; the rest are positional.
 */
export function parseOptions(
  args: readonly string[],
  valued: readonly string[],
  allowed: readonly string[],
): ParsedOptions {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (/^--password(-stdin)?=/.test(arg)) {
      throw new UsageError(
        'Passwords are never command-line arguments (they would stay in the shell history): use --password and type it, or pipe it to standard input.',
      );
    }
    if (valued.includes(arg)) {
      const value = args[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value.`);
      if (values.has(arg)) throw new UsageError(`${arg} is given twice.`);
      values.set(arg, value);
    } else if (allowed.includes(arg)) {
      flags.add(arg);
    } else if (arg.startsWith('--')) {
      throw new UsageError(`Unknown option ${arg}.`);
    } else positional.push(arg);
  }
  return { positional, values, flags };
}

function policy(flags: ReadonlySet<string>): Partial<Record<PolicyField, boolean>> {
  const out: Partial<Record<PolicyField, boolean>> = {};
  for (const flag of flags) {
    const entry = switches[flag];
    if (!entry) continue;
    const [field, value] = entry;
    if (out[field] !== undefined && out[field] !== value)
      throw new UsageError(`Conflicting options for ${field}.`);
    out[field] = value;
  }
  return out;
}

function oneUsername(positional: readonly string[], action: string): string {
  const [username, ...more] = positional;
  if (username === undefined) throw new UsageError(`users ${action} needs the user name.`);
  if (more.length > 0) {
    throw new UsageError(
      `Unexpected ${more.join(' ')}. (Passwords are never command-line arguments: they are asked for, or read from standard input.)`,
    );
  }
  return username;
}

/** Reads the arguments after `users`; throws a `UsageError` saying what is wrong. */
export function parseUsersArguments(action: string | undefined, rest: readonly string[]): UsersCommand {
  const switchNames = Object.keys(switches);
  switch (action) {
    case 'list': {
      const { positional, values } = parseOptions(rest, ['--domain'], []);
      if (positional.length > 0) throw new UsageError(`Unexpected ${positional.join(' ')}.`);
      return { kind: 'users.list', ...domainOf(values) };
    }
    case 'add': {
      const { positional, values, flags } = parseOptions(
        rest,
        ['--sip-uri', '--name', '--domain'],
        switchNames,
      );
      const username = oneUsername(positional, 'add');
      const sipUri = values.get('--sip-uri');
      const displayName = values.get('--name');
      if (!sipUri) throw new UsageError('users add needs --sip-uri sip:user@domain.');
      if (!displayName) throw new UsageError('users add needs --name "Display Name".');
      const change = { username, sipUri, displayName, ...policy(flags) };
      return { kind: 'users.add', change, askPassword: true, ...domainOf(values) };
    }
    case 'set': {
      const { positional, values, flags } = parseOptions(
        rest,
        ['--name', '--domain'],
        [...switchNames, '--password'],
      );
      const username = oneUsername(positional, 'set');
      const displayName = values.get('--name');
      const change = { username, ...(displayName ? { displayName } : {}), ...policy(flags) };
      if (Object.keys(change).length === 1 && !flags.has('--password')) {
        throw new UsageError('users set needs something to change (--name, a flag, or --password).');
      }
      return { kind: 'users.set', change, askPassword: flags.has('--password'), ...domainOf(values) };
    }
    case 'enable':
    case 'disable': {
      const { positional, values } = parseOptions(rest, ['--domain'], []);
      const username = oneUsername(positional, action);
      const change = { username, enabled: action === 'enable' };
      return { kind: 'users.set', change, askPassword: false, ...domainOf(values) };
    }
    case 'hash': {
      const { positional } = parseOptions(rest, [], []);
      if (positional.length > 0) {
        throw new UsageError(
          `Unexpected ${positional.join(' ')}. (Passwords are never command-line arguments: users hash asks for it, or reads it from standard input.)`,
        );
      }
      return { kind: 'users.hash' };
    }
    case 'import': {
      const { positional, values, flags } = parseOptions(rest, ['--domain'], ['--dry-run']);
      const [file, ...more] = positional;
      if (!file) throw new UsageError('users import needs a CSV or JSON file.');
      if (more.length > 0) throw new UsageError(`Unexpected ${more.join(' ')}.`);
      return { kind: 'users.import', file, dryRun: flags.has('--dry-run'), ...domainOf(values) };
    }
    case undefined:
      throw new UsageError('users needs an action: list, add, set, enable, disable, import or hash.');
    default:
      throw new UsageError(
        `Unknown action users ${action}; use list, add, set, enable, disable, import or hash.`,
      );
  }
}

function domainOf(values: ReadonlyMap<string, string>): { domain?: string } {
  const domain = values.get('--domain');
  if (domain === undefined) return {};
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/.test(domain))
    throw new UsageError(`${domain} is not a domain name (e.g. CONTOSO).`);
  return { domain };
}

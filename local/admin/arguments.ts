import { UsageError } from './failures.ts';
import { parseSeedArguments, seedUsage, type SeedGenerateCommand } from './seed-arguments.ts';
import { parseUsersArguments, usersUsage, type UsersCommand } from './user-arguments.ts';

export { UsageError };

/** The `sessions` commands: they reach the running product (or AWS). */
export type SessionsCommand =
  | { readonly kind: 'sessions.list'; readonly sipUri: string }
  | { readonly kind: 'sessions.revoke-user'; readonly sipUri: string }
  | { readonly kind: 'sessions.revoke-session'; readonly session: string };

/** What the administrator asked for. */
export type AdminCommand =
  | { readonly kind: 'help' }
  | SessionsCommand
  | { readonly kind: 'users'; readonly command: UsersCommand }
  | SeedGenerateCommand;

export const usage = `Usage: npm run admin -- <command>

Commands:
  sessions list <sipUri>            list a user's live sessions
  sessions revoke <sipUri>          end every session of a user
  sessions revoke --session <id>    end one session (its id as listed, or from the audit trail)
${usersUsage}
${seedUsage}

Locally this reaches the product running with the same DATA_DIR (default .data).
With the deployed settings in the environment (TICKETS_TABLE, …) it works on AWS instead.
Standard output carries only the answer; prompts, the audit trail and metrics go to standard error.
Exit codes: 0 done, 1 refused or failed, 2 a usage error.`;

const sipUriPattern = /^sip:[^@\s]+@[^@\s]+$/i;
/** A session's name in the audit trail: 12 base64url characters. */
const sessionPattern = /^[A-Za-z0-9_-]{12}$/;

function sipUriArgument(value: string | undefined): string {
  if (value === undefined) throw new UsageError('Name the user by SIP URI, e.g. sip:alice@contoso.com.');
  if (!sipUriPattern.test(value)) {
    throw new UsageError(`${value} is not a SIP URI; write it like sip:alice@contoso.com.`);
  }
  return value;
}

function sessionArgument(value: string | undefined): string {
  if (value === undefined)
    throw new UsageError('--session needs the session id, as `sessions list` shows it.');
  if (!sessionPattern.test(value)) {
    throw new UsageError(
      `${value} is not a session id (12 letters, digits, - or _, as \`sessions list\` shows).`,
    );
  }
  return value;
}

function noMore(rest: readonly string[]): void {
  if (rest.length > 0) throw new UsageError(`Unexpected ${rest.join(' ')}.`);
}

/** Reads the arguments after `npm run admin --`; throws a `UsageError` saying what is wrong. */
export function parseArguments(args: readonly string[]): AdminCommand {
  const [group, action, ...rest] = args;
  if (group === undefined) throw new UsageError('Say what to do.');
  if (['help', '--help', '-h'].includes(group)) return { kind: 'help' };
  if (group === 'users') return { kind: 'users', command: parseUsersArguments(action, rest) };
  if (group === 'seed') return parseSeedArguments(action, rest);
  if (group !== 'sessions') throw new UsageError(`Unknown command ${group}.`);
  switch (action) {
    case 'list': {
      const [sipUri, ...more] = rest;
      noMore(more);
      return { kind: 'sessions.list', sipUri: sipUriArgument(sipUri) };
    }
    case 'revoke': {
      const [first, second, ...more] = rest;
      noMore(more);
      if (first === '--session') return { kind: 'sessions.revoke-session', session: sessionArgument(second) };
      noMore(second === undefined ? [] : [second]);
      return { kind: 'sessions.revoke-user', sipUri: sipUriArgument(first) };
    }
    case undefined:
      throw new UsageError('sessions needs an action: list or revoke.');
    default:
      throw new UsageError(`Unknown action sessions ${action}; use list or revoke.`);
  }
}

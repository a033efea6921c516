import { isAppError } from '../../functions/core/errors.ts';
import { parseArguments, usage, UsageError, type AdminCommand } from './arguments.ts';
import { ProductUnreachable, sessionAdminFor, settingsFrom } from './connect.ts';
import { describeRevoked, describeSessions } from './report.ts';
import { ChangeRefused, runUsers } from './users.ts';

/**
 * `npm run admin -- <command>`: session administration and the built-in directory's users. A thin adapter: arguments in, one call
 * of the domain's session administration, text out. Exit codes: 0 done, 1 refused or failed
 * (unknown user or session, product not reachable), 2 a usage error.
 */
async function run(command: Exclude<AdminCommand, { kind: 'help' }>): Promise<string> {
  // The project runs Node 20 locally on purpose; the SDK's notice about Node 22 is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';
  const settings = await settingsFrom(process.env);
  if (command.kind === 'users') return withReachability(runUsers(command.command, settings), settings);
  const admin = await sessionAdminFor(settings).catch((err: unknown) => {
    throw new ProductUnreachable(`Could not prepare to reach the product: ${messageOf(err)}`);
  });
  try {
    switch (command.kind) {
      case 'sessions.list':
        return describeSessions(await admin.list(command.sipUri));
      case 'sessions.revoke-user':
        return describeRevoked(await admin.revokeUser(command.sipUri));
      case 'sessions.revoke-session':
        return describeRevoked(await admin.revokeSession(command.session));
    }
  } catch (err) {
    if (isAppError(err) || !isNetworkFailure(err)) throw err;
    throw new ProductUnreachable(
      `Could not reach the product's database at ${settings.dynamoEndpoint ?? 'AWS'}: ${messageOf(err)}`,
    );
  }
}

/** The built-in directory's tables live in the product's DynamoDB: a network failure means it is not reachable. */
async function withReachability(
  work: Promise<string>,
  settings: { dynamoEndpoint: string | undefined },
): Promise<string> {
  try {
    return await work;
  } catch (err) {
    if (!isNetworkFailure(err)) throw err;
    throw new ProductUnreachable(
      `Could not reach the product's database at ${settings.dynamoEndpoint ?? 'AWS'}: ${messageOf(err)}`,
    );
  }
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const isNetworkFailure = (err: unknown): boolean =>
  err instanceof Error &&
  ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(
    (err as NodeJS.ErrnoException).code ?? '',
  );

async function main(args: readonly string[]): Promise<number> {
  try {
    const command = parseArguments(args);
    if (command.kind === 'help') {
      console.log(usage);
      return 0;
    }
    console.log(await run(command));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${usage}`);
      return 2;
    }
    if (err instanceof ProductUnreachable || err instanceof ChangeRefused || isAppError(err)) {
      console.error(err.message);
      return 1;
    }
    console.error(`admin: ${messageOf(err)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

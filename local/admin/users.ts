import { readFile } from 'node:fs/promises';
import type { Product } from './connect.ts';
import { builtinDirectoryOnly, UsageError } from './failures.ts';
import { readPassword } from './password-input.ts';
import { withProduct } from './reach.ts';
import type { ProductRequest } from './request.ts';
import type { UsersCommand } from './user-arguments.ts';
import { ImportFileError, parseUsersFile } from './users-file.ts';

/** The commands that manage the built-in directory's users (not `users hash`, which needs no product). */
export type DirectoryCommand = Exclude<UsersCommand, { kind: 'users.hash' }>;

/** The users of an import file, read here: the file is the administrator's, wherever the product runs. */
async function importRequest(command: Extract<DirectoryCommand, { kind: 'users.import' }>) {
  let text: string;
  try {
    text = await readFile(command.file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${command.file}: ${(err as Error).message}`);
  }
  try {
    const { users, domain } = parseUsersFile(text, command.file);
    return {
      kind: 'users.import',
      domain: command.domain,
      seedDomain: domain,
      users,
      dryRun: command.dryRun,
    } satisfies ProductRequest;
  } catch (err) {
    if (err instanceof ImportFileError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * `npm run admin -- users …` against the built-in directory of the product; answers the report.
 * Refused when the product reads its users from LDAP: a user added here could not sign in.
 */
export async function runUsers(command: DirectoryCommand, product: Product): Promise<string> {
  const refusal = builtinDirectoryOnly(product.directoryProvider);
  if (refusal) throw refusal;
  if (command.kind === 'users.list') {
    return withProduct(product, (reached) => reached.perform({ kind: 'users.list', domain: command.domain }));
  }
  if (command.kind === 'users.import') {
    const request = await importRequest(command);
    return withProduct(product, (reached) => reached.perform(request));
  }
  const { kind, domain, change } = command;
  return withProduct(product, async (reached) => {
    if (!command.askPassword) return reached.perform({ kind, domain, change });
    // Checked before a password is asked for that nobody would use.
    await reached.perform({ kind, domain, change, checkOnly: true });
    const password = await readPassword(change.username);
    return reached.perform({ kind, domain, change: { ...change, password } });
  });
}

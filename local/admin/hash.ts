import { hashPassword } from '../../functions/core/directory/passwords.ts';
import { passwordProblem } from '../../functions/core/directory/password-rules.ts';
import { ChangeRefused } from './failures.ts';
import { readPassword } from './password-input.ts';

/**
 * `users hash`: the `passwordHash` a directory seed file takes for a password read from standard
 * input (asked for twice, without echo, on a terminal), at the product's cost: the password itself
 * need not be in the seed.
 */
export async function hashFromInput(): Promise<string> {
  const password = await readPassword('the seed file');
  const problem = passwordProblem(password);
  if (problem) throw new ChangeRefused(`Not hashed: ${problem}.`);
  return hashPassword(password);
}

/**
 * What is wrong with a password an administrator sets (for a user, or for a seed file's hash), or
 * undefined when it will do: 8 to 1,024 characters.
 */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 8 || password.length > 1024) return 'the password must be 8 to 1024 characters';
  return undefined;
}

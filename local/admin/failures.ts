/** The product cannot be reached from here; exit code 1. */
export class ProductUnreachable extends Error {
  override readonly name = 'ProductUnreachable';
}

/** A change the directory refused, or a command this deployment does not offer (exit code 1), saying why. */
export class ChangeRefused extends Error {
  override readonly name = 'ChangeRefused';
}

/** The command line does not say what to do; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The `users` commands manage only the built-in directory: refused when the product reads LDAP. */
export function builtinDirectoryOnly(directoryProvider: string): ChangeRefused | undefined {
  if (directoryProvider === 'builtin') return undefined;
  return new ChangeRefused(
    `This product reads its users from LDAP (DIRECTORY_PROVIDER=${directoryProvider}): manage them in ` +
      'the directory itself. The users commands manage only the built-in directory; nothing was changed.',
  );
}

import { resolve } from 'node:path';
import { isAppError } from '../../functions/core/errors.ts';
import { parseArguments, usage, type AdminCommand } from './arguments.ts';
import { ChangeRefused, ProductUnreachable, UsageError } from './failures.ts';
import { keepStdoutForTheAnswer } from './output.ts';
import type { SeedGenerateCommand } from './seed-arguments.ts';

/**
 * `npm run admin -- <command>`: session administration, the built-in directory's users, and seed
 * files. A thin adapter: arguments in, one call of the domain, the answer out on standard output
 * (everything else on standard error). Each command loads only what it uses: `help`, `users hash`
 * and `seed generate` no AWS SDK and no running product. Exit codes: 0 done, 1 refused or failed
 * (unknown user or session, product not reachable, a directory the product does not manage), 2 a
 * usage error.
 */
const answer = keepStdoutForTheAnswer();

/** A path as the administrator typed it: `npm run` runs in the package root, INIT_CWD is where they were. */
const typedPath = (path: string): string => resolve(process.env.INIT_CWD ?? process.cwd(), path);

async function run(command: Exclude<AdminCommand, { kind: 'help' }>): Promise<string> {
  // The project runs Node 20 locally on purpose; the SDK's notice about Node 22 is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';
  switch (command.kind) {
    case 'seed.generate':
      return seedGenerate(command);
    case 'users': {
      const users = command.command;
      if (users.kind === 'users.hash') return (await import('./hash.ts')).hashFromInput();
      const [{ productFrom }, { runUsers }] = await Promise.all([
        import('./connect.ts'),
        import('./users.ts'),
      ]);
      const file = users.kind === 'users.import' ? { file: typedPath(users.file) } : {};
      return runUsers({ ...users, ...file }, await productFrom(process.env));
    }
    default: {
      const [{ productFrom }, { runSessions }] = await Promise.all([
        import('./connect.ts'),
        import('./sessions.ts'),
      ]);
      return runSessions(command, await productFrom(process.env));
    }
  }
}

async function seedGenerate(command: SeedGenerateCommand): Promise<string> {
  const { generateSeed, writeOwnerOnly } = await import('./seed-generate.ts');
  const out = command.out === undefined ? undefined : typedPath(command.out);
  const passwordsFile = typedPath(
    command.passwords ?? (out ? `${out.replace(/\.json$/i, '')}.passwords.csv` : 'seed-passwords.csv'),
  );
  const { seed, passwords } = await generateSeed(command);
  // The passwords first: a seed is never left without them.
  await writeOwnerOnly(passwordsFile, passwords);
  const done = `${command.users} users of ${command.domain}; their passwords are in ${passwordsFile} (owner-only).`;
  if (out === undefined) {
    process.stderr.write(`Generated ${done}\n`);
    return seed.trimEnd();
  }
  const { writeFile } = await import('node:fs/promises');
  await writeFile(out, seed);
  return `Wrote ${out}: ${done}`;
}

async function main(args: readonly string[]): Promise<number> {
  try {
    const command = parseArguments(args);
    answer.write(`${command.kind === 'help' ? usage : await run(command)}\n`);
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
    console.error(`admin: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

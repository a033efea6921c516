import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { tables } from '../../../functions/core/storage/tables.ts';

export const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** What one run of the admin command did: its exit code and its two streams, kept apart. */
export interface AdminOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * How to run the admin command: `launcher` as `npm run admin` runs it (node local/admin/launch.js, the
 * cached bundle), `npm` through npm itself (`npm run -s admin -- …`), `sources` from the TypeScript
 * sources under tsx.
 */
export type AdminVia = 'launcher' | 'npm' | 'sources';

const commandLines: Record<AdminVia, readonly [string, readonly string[]]> = {
  launcher: [process.execPath, ['local/admin/launch.js']],
  // From wherever the administrator is: npm finds the project by --prefix and sets INIT_CWD itself.
  npm: ['npm', ['--prefix', repo, 'run', '-s', 'admin', '--']],
  sources: [process.execPath, ['--import', 'tsx', 'local/admin/main.ts']],
};

/**
 * Runs the admin command as its own process, as an administrator would: pointed at `dataDir` only
 * (the deployed settings' names, which a runtime in the test process put into its environment, are
 * removed, so it must find the product through DATA_DIR), `input` on its standard input, `cwd` as the
 * directory the administrator typed it in (INIT_CWD, as npm sets it). Killed after `timeoutMs`.
 */
export async function runAdmin(
  args: readonly string[],
  options: {
    readonly dataDir?: string;
    readonly input?: string;
    readonly via?: AdminVia;
    readonly cwd?: string;
    readonly env?: NodeJS.ProcessEnv;
    readonly timeoutMs?: number;
  } = {},
): Promise<AdminOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const def of Object.values(tables)) delete env[def.envVar];
  if (options.dataDir) env.DATA_DIR = options.dataDir;
  const via = options.via ?? 'launcher';
  if (options.cwd && via !== 'npm') env.INIT_CWD = options.cwd;
  const [command, prefix] = commandLines[via];
  const cwd = via === 'npm' ? (options.cwd ?? repo) : repo;
  const child = spawn(command, [...prefix, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => undefined); // a command that reads no input may exit before it is written
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

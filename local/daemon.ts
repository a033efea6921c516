import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/**
 * Running the system daemons a local setup needs (MIT KDC, slapd): free loopback ports, waiting
 * for a daemon to listen, and running its tools. Shared by `npm run demo:windows` and the tests.
 */

/** Those of a daemon's programs (name → absolute path) that are not installed here. */
export function missingTools(tools: Readonly<Record<string, string>>): string[] {
  return Object.values(tools).filter((path) => !existsSync(path));
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * Waits (50 ms apart, `attempts` times at most) until `child` listens on the loopback `port`; fails
 * with what `output` says if the daemon exits first or never listens.
 */
export async function waitForPort(
  name: string,
  port: number,
  child: ChildProcess,
  output: () => Promise<string> | string,
  attempts = 200,
): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${await output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not listen on ${port} within ${(attempts * 50) / 1000} s: ${await output()}`);
}

/**
 * Runs one of the daemon's tools to completion (15 s at most) and answers its output; fails with the
 * output if it exits non-zero. `input` is written to its standard input.
 */
export function runTool(
  command: string,
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly input?: string } = {},
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${output}`));
    });
    // A program that never reads its input (most of them) closes the pipe early: not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The time the writer's records are made at (ms since the epoch). */
export const writerStart = Date.UTC(2025, 0, 6, 9, 0, 0);

/**
 * Runs `killed-writer-child.ts` on the embedded database in `dir`: it makes the writes of
 * `scenario`, prints `acknowledged` once each has resolved, and waits. The moment that line
 * arrives the child gets SIGKILL (nothing gets to flush or close). Answers once it is dead.
 */
export async function writeThenKill(
  dir: string,
  scenario: 'tickets' | 'contacts',
  id: string,
): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./killed-writer-child.ts', import.meta.url)),
      dir,
      scenario,
      id,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no acknowledgement within 30 s:\n${output}`));
    }, 30_000);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('acknowledged\n')) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve();
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the writer exited before acknowledging:\n${output}`));
    });
  });
  const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  if (signal !== 'SIGKILL') throw new Error(`the writer ended by ${signal}, not SIGKILL:\n${output}`);
}

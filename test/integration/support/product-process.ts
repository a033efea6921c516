import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** The product started as an administrator starts it: its own process (group), its output kept. */
export interface ProductProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** SIGTERM to the whole group (npm, tsx and node alike); SIGKILL if it has not gone within 10 s. */
  stop(): Promise<void>;
}

/**
 * Runs `command` in its own process group and waits until it prints its start banner ("Press
 * Ctrl+C to stop."), `readyMs` at most; fails with its output if it exits or never gets there.
 */
export async function startProductProcess(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly readyMs?: number },
): Promise<ProductProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').catch(() => undefined); // a spawn error is reported below
  const product: ProductProcess = {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const kill = (signal: NodeJS.Signals) => {
        try {
          process.kill(-(child.pid ?? 0), signal);
        } catch {
          // The group is gone already.
        }
      };
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const readyMs = options.readyMs ?? 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not ready within ${readyMs / 1000} s:\n${output}`)),
        readyMs,
      );
      const check = () => {
        if (!output.includes('Press Ctrl+C to stop.')) return;
        clearTimeout(timer);
        resolve();
      };
      child.stdout?.on('data', check);
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code ?? signal} before it was ready:\n${output}`));
      });
    });
  } catch (err) {
    await product.stop();
    throw err;
  }
  return product;
}

/** Runs `command` to its end (`timeoutMs` at most) and answers its exit code and output. */
export async function runToEnd(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type Runtime, type RuntimeMode, type RuntimeOptions } from '../../../local/runtime.ts';

/** Both ways the product runs: contract suites run in each. */
export const runtimeModes: readonly RuntimeMode[] = ['embedded', 'aws-emulation'];

export interface TestRuntime extends Runtime {
  /** Site base URLs on 127.0.0.1 (loopback only). */
  readonly internal: string;
  readonly external: string;
  readonly dataDir: string;
}

/**
 * Starts the embedded runtime on free loopback ports with a throwaway DATA_DIR. Handlers read their
 * settings once per process (as a Lambda instance does), so a test file runs one runtime.
 */
export async function startTestRuntime(options: Partial<RuntimeOptions> = {}): Promise<TestRuntime> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cwa-test-')));
  const runtime = await startRuntime({
    port: 0,
    externalPort: 0,
    mode: 'aws-emulation',
    ...options,
    dataDir,
  });
  const loopback = (url: string) => url.replace('//localhost:', '//127.0.0.1:');
  return {
    ...runtime,
    internal: loopback(runtime.internalUrl),
    external: loopback(runtime.externalUrl),
    dataDir,
    async close() {
      await runtime.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

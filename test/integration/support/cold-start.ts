import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { HandlerModule } from '../../../functions/routes.ts';
import { lambdaBuildOptions, lambdaDefines, lambdaLikeEnvironment } from '../../../lib/lambda-bundling.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** What the stack sets on every function (table names, secret ARNs, public origins). */
export const stackEnvironment = lambdaLikeEnvironment;

/**
 * Bundles a handler module as the stack bundles it for Lambda (lib/lambda-bundling.ts), for a
 * deployment with these settings (they decide what is left out), into `outDir`.
 */
export async function bundleHandler(
  module: HandlerModule,
  outDir: string,
  settings: Readonly<Record<string, string>> = {},
): Promise<string> {
  const variant = createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 8);
  const outfile = join(outDir, `${module.replace(/\//g, '-')}-${variant}.mjs`);
  await build({
    entryPoints: [join(repo, 'functions', `${module}.ts`)],
    outfile,
    ...lambdaBuildOptions,
    mainFields: [...lambdaBuildOptions.mainFields],
    define: lambdaDefines(settings),
    absWorkingDir: repo,
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * A Lambda cold start of a bundled function: a fresh Node.js imports it with the stack's
 * environment and `settings` (the runtime's import is what Lambda's init phase runs). Answers whether
 * the import failed, and everything it logged.
 */
export function coldStart(
  bundle: string,
  settings: Readonly<Record<string, string>>,
): Promise<{ failed: boolean; log: string }> {
  const script = `await import(${JSON.stringify(pathToFileURL(bundle).href)});`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { env: { PATH: process.env.PATH, ...stackEnvironment, ...settings }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ failed: err !== null, log: stdout + stderr }),
    );
  });
}

import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { allHandlerModules } from '../functions/routes.ts';
import { lambdaBuildOptions, lambdaLikeEnvironment } from '../lib/lambda-bundling.ts';
import type { BenchPlan } from './support/context.ts';
import { perRunFigure, round, type Figure } from './support/figures.ts';

const functionsDir = fileURLToPath(new URL('../functions/', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const loadTimeoutMs = 30_000;

/** The three packages that weigh most in a bundle, in KB. */
function heaviest(output: Metafile['outputs'][string]): Record<string, number> {
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const name = match?.[1] ?? 'own code';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return Object.fromEntries(
    [...byPackage]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 3)
      .map(([name, bytes]) => [name, round(bytes / 1024, 1)]),
  );
}

/** Imports the bundle in a fresh `node` process; answers the import's time in ms. */
function loadOnce(file: string): Promise<number> {
  const script =
    'const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(file).href], {
      // Only what Lambda gives a function: the settings it checks as it loads, as the stack sets them.
      env: { PATH: process.env.PATH, ...lambdaLikeEnvironment },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: loadTimeoutMs,
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(out);
      if (code === 0 && Number.isFinite(ms)) resolve(ms);
      else reject(new Error(`loading ${file} failed (${code}): ${err.slice(0, 300)}`));
    });
  });
}

/**
 * Lambda cost proxies per handler module: the minified bundle's size (bundled as the stack bundles
 * it, lib/lambda-bundling.ts), and its cold module-load time, the median over several fresh `node` processes importing it.
 */
export async function lambdaBundleFigures(plan: BenchPlan['bundles']): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'cwa-bench-bundles-'));
  const modules = plan.modules ?? allHandlerModules();
  const fileOf = (module: string) => `${module.replace(/\//g, '-')}`;
  const figures: Figure[] = [];
  try {
    const { metafile } = await build({
      entryPoints: Object.fromEntries(modules.map((m) => [fileOf(m), join(functionsDir, `${m}.ts`)])),
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      ...lambdaBuildOptions,
      mainFields: [...lambdaBuildOptions.mainFields],
      absWorkingDir: repositoryRoot,
      metafile: true,
      logLevel: 'silent',
    });
    const settings = {
      minify: true,
      format: 'esm',
      target: 'node22',
      awsSdk: 'bundled',
      credentials: 'environment only',
      directory: 'built-in (the LDAP client left out, as for such a deployment)',
    };
    const outputs = Object.values(metafile.outputs);
    for (const module of modules) {
      const output = outputs.find((o) => o.entryPoint?.endsWith(`functions/${module}.ts`));
      const { size } = await stat(join(dir, `${fileOf(module)}.mjs`));
      figures.push(
        perRunFigure(`lambda.bundle.${module}`, 'KB', [round(size / 1024, 1)], settings, {
          heaviest: output ? heaviest(output) : {},
        }),
      );
    }
    for (const module of plan.loadModules ?? modules) {
      const loads: number[] = [];
      for (let i = 0; i < plan.loads; i++) loads.push(await loadOnce(join(dir, `${fileOf(module)}.mjs`)));
      figures.push(
        perRunFigure(
          `lambda.load.${module}`,
          'ms',
          loads,
          { processes: plan.loads, node: process.version, sourceMaps: 'off, as deployed' },
          {},
          false,
        ),
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}

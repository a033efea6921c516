/**
 * Builds the browser client: copies `web/public/` and bundles each page's entry point (the main
 * window, and the conversation and alert pop-ups) into `app/<page>.js`.
 * Run directly with `npx tsx web/build.ts` to build into `web/dist/`.
 */
import { build } from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const webDir = path.dirname(fileURLToPath(import.meta.url));

/** Where the built client goes unless told otherwise. */
export const defaultOutDir = path.join(webDir, 'dist');

/** Builds the client into `outDir` (overwriting files of the same name) and answers `outDir`. */
export async function buildWeb(outDir: string = defaultOutDir): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await cp(path.join(webDir, 'public'), outDir, { recursive: true });
  await build({
    entryPoints: {
      app: path.join(webDir, 'src', 'app.ts'),
      conversation: path.join(webDir, 'src', 'conversation-page.ts'),
      alert: path.join(webDir, 'src', 'alert-page.ts'),
      // Security keys on the server-rendered two-factor pages.
      'two-factor': path.join(webDir, 'src', 'two-factor-page.ts'),
    },
    outdir: path.join(outDir, 'app'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outDir;
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) console.log(await buildWeb());

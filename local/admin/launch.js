// @ts-check
/**
 * `npm run admin`: runs the admin command (local/admin/main.ts) from a bundle plain `node` loads, instead
 * of transpiling its sources and resolving hundreds of package files on every call. The bundle (built
 * with esbuild, as web/ and the Lambdas are) is cached under node_modules/.cache and rebuilt when one of
 * its sources, this file or the installed packages change; each command's code is its own chunk, so a
 * command loads only what it uses.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = 'local/admin/main.ts';
const cacheDir = `${root}node_modules/.cache/web-communicator/admin`;
const manifestFile = `${cacheDir}/manifest.json`;
/** What else decides the bundle: this file (how it bundles) and the installed packages (npm rewrites this on every install). */
const alwaysChecked = ['local/admin/launch.js', 'node_modules/.package-lock.json', 'package.json'];
/** An older build is removed once no command can still be loading its chunks. */
const oldBuildMs = 60 * 60 * 1000;

/** @param {string} path relative to the repository */
async function stampOf(path) {
  try {
    const { mtimeMs, size } = await stat(`${root}${path}`);
    return `${mtimeMs}:${size}`;
  } catch {
    return 'absent';
  }
}

/** @returns {Promise<string | undefined>} the cached bundle's entry file, when every input is as it was built from */
async function cachedEntry() {
  /** @type {{ entry: string, inputs: Record<string, string> }} */
  let manifest;
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  } catch {
    return undefined;
  }
  const inputs = Object.entries(manifest.inputs);
  const stamps = await Promise.all(inputs.map(([path]) => stampOf(path)));
  return inputs.every(([, stamp], i) => stamps[i] === stamp) ? manifest.entry : undefined;
}

/** Bundles the command into a fresh directory and records what it was built from; answers its entry file. */
async function rebuild() {
  const { build } = await import('esbuild');
  const outdir = `${cacheDir}/build-${Date.now()}-${process.pid}`;
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints: { main: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    // lmdb finds its compiled binding relative to its own package: loaded from node_modules, as installed.
    external: ['lmdb'],
    // CommonJS packages inside an ESM bundle call `require` (as in lib/lambda-bundling.ts).
    banner: {
      js: "import { createRequire as __bannerCreateRequire } from 'node:module'; const require = __bannerCreateRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  const sources = Object.keys(metafile.inputs).filter((path) => !path.startsWith('node_modules/'));
  const paths = [...new Set([...sources, ...alwaysChecked])];
  const stamps = await Promise.all(paths.map(stampOf));
  const manifest = {
    entry: `${outdir}/main.js`,
    inputs: Object.fromEntries(paths.map((path, i) => [path, stamps[i]])),
  };
  // Written whole and renamed, so a command running alongside reads the old manifest or the new one.
  const temporary = `${manifestFile}.${process.pid}`;
  await writeFile(temporary, JSON.stringify(manifest));
  await rename(temporary, manifestFile);
  await removeOldBuilds(relative(cacheDir, outdir));
  return manifest.entry;
}

/** @param {string} current */
async function removeOldBuilds(current) {
  for (const name of await readdir(cacheDir)) {
    if (!name.startsWith('build-') || name === current) continue;
    const built = Number(name.split('-')[1]);
    if (Date.now() - built > oldBuildMs) await rm(`${cacheDir}/${name}`, { recursive: true, force: true });
  }
}

let main = await cachedEntry();
if (!main) {
  await mkdir(cacheDir, { recursive: true });
  main = await rebuild().catch((err) => {
    console.error(
      `admin: could not build the admin command: ${err instanceof Error ? err.message : String(err)}`,
    );
    process.exit(1);
  });
}
await import(pathToFileURL(main).href);

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/daemon.ts';
import { demo, signIn } from '../integration/support/client.ts';
import { runToEnd, startProductProcess } from '../integration/support/product-process.ts';

/**
 * The newcomer's two commands on a machine that cannot build native code: the repository's files
 * copied to a scratch directory, `npm ci` there with every compiler, `make` and Python on PATH
 * replaced by programs that fail, then `npm start` from that directory. Not part of `npm test` (it
 * needs the npm registry, or a warm npm cache, and a minute of disk): `.ci/run` runs it on every CI
 * run, and `npm run test:install` runs it here.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
/** What a build of native code would call: each answers "not installed" and fails. */
const toolchain = ['cc', 'gcc', 'g++', 'c++', 'clang', 'clang++', 'make', 'gmake', 'python', 'python3'];
const installMs = 10 * 60_000;

let scratch: string;
let app: string;
let env: NodeJS.ProcessEnv;

/** The environment of a shell on that machine: no npm or test-runner state from this process. */
function bareEnv(fakeBin: string): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([name]) => !/^npm_/i.test(name) && !name.startsWith('NODE_TEST') && name !== 'NODE_OPTIONS',
  );
  return {
    ...Object.fromEntries(inherited),
    PATH: [fakeBin, process.env.PATH ?? ''].join(delimiter),
    CC: 'false',
    CXX: 'false',
    // prebuild-install would otherwise try to download a prebuilt `kerberos` from GitHub first; a
    // bare machine may have none for its platform, and this run must not depend on GitHub.
    npm_config_build_from_source: 'kerberos',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Files under `dir` whose name ends in `.node` (native addons), as paths relative to it. */
async function addonsUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((entry) => entry.endsWith('.node'));
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cwa-bare-'));
  app = join(scratch, 'app');
  const fakeBin = join(scratch, 'bin');
  await mkdir(fakeBin);
  for (const tool of toolchain) {
    const path = join(fakeBin, tool);
    await writeFile(path, `#!/bin/sh\necho "${tool}: not installed on this machine" >&2\nexit 127\n`);
    await chmod(path, 0o755);
  }
  env = bareEnv(fakeBin);
  // What a clone of this working tree would hold: every file git tracks or would track, as it is
  // now; nothing git ignores (node_modules, .data, build output).
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(repo, file)));
  assert.ok(files.includes('package-lock.json'), 'git ls-files lists no package-lock.json');
  for (const file of files) {
    await mkdir(dirname(join(app, file)), { recursive: true });
    await copyFile(join(repo, file), join(app, file));
  }
});
after(() => rm(scratch, { recursive: true, force: true }));

describe('npm install && npm start on a machine without a compiler or Python', () => {
  it('has no working compiler, make or Python on the PATH it installs with', () => {
    for (const tool of ['python3', 'g++', 'make']) {
      const run = spawnSync(tool, ['--version'], { env, encoding: 'utf8' });
      assert.equal(run.status, 127, `${tool} still works: ${run.stdout}`);
    }
  });

  it(
    'installs with npm ci, building nothing: the kerberos package is left out',
    { timeout: installMs },
    async () => {
      const { code, output } = await runToEnd('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: app,
        env,
        timeoutMs: installMs,
      });
      assert.equal(code, 0, `npm ci failed:\n${output}`);
      // Its install script failed (no compiler), so npm dropped the optional dependency.
      assert.equal(existsSync(join(app, 'node_modules', 'kerberos')), false, 'kerberos was installed');
      // The only native addons are the ones published ready-built: classic-level's `prebuilds`
      // (under dynalite), lmdb's and msgpackr-extract's per-platform packages. A compiled one would
      // be node-gyp's output, under a `build` folder.
      const addons = await addonsUnder(join(app, 'node_modules'));
      assert.ok(
        addons.some((addon) => addon.startsWith(join('@lmdb', ''))),
        'no lmdb binary was installed',
      );
      const built = addons.filter((addon) => addon.split(sep).includes('build'));
      assert.deepEqual(built, [], `native code was built:\n${built.join('\n')}`);
    },
  );

  it(
    'starts with npm start, serves both sites and the sign-in page, signs a demo user in and stops cleanly',
    {
      timeout: 3 * 60_000,
    },
    async () => {
      assert.ok(existsSync(join(app, 'node_modules')), 'npm ci did not run');
      const [internal, external, store, connections] = [
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      const product = await startProductProcess('npm', ['start'], {
        cwd: app,
        env: {
          ...env,
          PORT: String(internal),
          EXTERNAL_PORT: String(external),
          STORE_PORT: String(store),
          CONNECTIONS_PORT: String(connections),
          DATA_DIR: join(scratch, 'data'),
        },
        readyMs: 120_000,
      });
      try {
        for (const port of [internal, external]) {
          assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
        }
        const page = await fetch(`http://127.0.0.1:${internal}/`);
        assert.equal(page.status, 200, product.output());
        assert.match(await page.text(), /<title>Sign in · Web Communicator<\/title>/);
        const forms = await fetch(`http://127.0.0.1:${internal}/auth/forms`);
        assert.equal(forms.status, 200);
        assert.match(await forms.text(), /<form/);
        // Sign-in reaches the store (dynalite over LevelDB) and the password hash: the whole path.
        const cookie = await signIn(`http://127.0.0.1:${internal}`, demo.alice);
        const session = await fetch(`http://127.0.0.1:${internal}/api/session`, { headers: { cookie } });
        assert.equal(session.status, 200, `${await session.text()}\n${product.output()}`);
      } finally {
        await product.stop();
      }
      assert.notEqual(product.child.signalCode, 'SIGKILL', `did not stop within 10 s:\n${product.output()}`);
      assert.doesNotMatch(product.output(), /Could not start|Error:/);
      await assert.rejects(fetch(`http://127.0.0.1:${internal}/healthz`), 'still serving after it stopped');
    },
  );
});

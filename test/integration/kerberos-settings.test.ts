import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaBuildOptions } from '../../lib/lambda-bundling.ts';
import { startWindows } from '../../functions/windows-deps.ts';
import { stackEnvironment } from './support/cold-start.ts';
import { startProductProcess } from './support/product-process.ts';

// The SDK's notice about Node 20 concerns its releases after January 2027; the lock file pins this one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const repo = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let bundle: string;
const files = { keytab: '', truncated: '', garbage: '', empty: '', directory: '' };

/** An MIT keytab (format 5.2) holding one aes256 key for each principal. */
function keytabOf(principals: readonly string[]): Buffer {
  const data = (bytes: Buffer) => Buffer.concat([u16(bytes.length), bytes]);
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const entries = principals.map((principal) => {
    const [name = '', realm = ''] = principal.split('@');
    const components = name.split('/');
    const entry = Buffer.concat([
      u16(components.length),
      data(Buffer.from(realm)),
      ...components.map((c) => data(Buffer.from(c))),
      u32(1), // KRB5_NT_PRINCIPAL
      u32(0),
      Buffer.from([1]), // kvno
      u16(18), // aes256-cts-hmac-sha1-96
      data(Buffer.alloc(32, 7)),
      u32(1),
    ]);
    return Buffer.concat([u32(entry.length), entry]);
  });
  return Buffer.concat([Buffer.from([5, 2]), ...entries]);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cwa-kerberos-settings-'));
  const keytab = keytabOf(['HTTP/localhost@EXAMPLE.TEST']);
  Object.assign(files, {
    keytab: join(dir, 'good.keytab'),
    truncated: join(dir, 'truncated.keytab'),
    garbage: join(dir, 'garbage.keytab'),
    empty: join(dir, 'empty.keytab'),
    directory: join(dir, 'a-directory'),
  });
  await writeFile(files.keytab, keytab);
  await writeFile(files.truncated, keytab.subarray(0, keytab.length - 9));
  await writeFile(files.garbage, 'not a keytab\n');
  await writeFile(files.empty, Buffer.from([5, 2]));
  await mkdir(files.directory);
  // The Windows sign-in function as the stack bundles it for Lambda.
  bundle = join(dir, 'windows-sign-in.mjs');
  await build({
    entryPoints: [join(repo, 'functions/http/windows-sign-in.ts')],
    outfile: bundle,
    ...lambdaBuildOptions,
    mainFields: [...lambdaBuildOptions.mainFields],
    absWorkingDir: repo,
    logLevel: 'silent',
  });
});
after(() => rm(dir, { recursive: true, force: true }));

/** Starts `npm start` (local/main.ts) with these settings: answers how it failed to start. */
async function startRefusal(settings: Record<string, string>, dataDir?: string): Promise<string> {
  const env = {
    ...process.env,
    DATA_DIR: dataDir ?? (await mkdtemp(join(dir, 'data-'))),
    PORT: '0',
    EXTERNAL_PORT: '0',
    ...settings,
  };
  try {
    const product = await startProductProcess(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
      cwd: repo,
      env,
      readyMs: 120_000,
    });
    const banner = product.output();
    await product.stop();
    assert.fail(`started although the settings are wrong:\n${banner}`);
  } catch (err) {
    const message = (err as Error).message;
    if (!/^exited with /.test(message)) throw err;
    assert.match(message, /^exited with [1-9]/, 'a non-zero exit');
    return message;
  }
}

/** A Lambda cold start of the bundled function with these settings: its exit and what it logged. */
function coldStart(settings: Record<string, string>): Promise<{ failed: boolean; log: string }> {
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

const cases: readonly { what: string; settings: () => Record<string, string>; message: RegExp }[] = [
  {
    what: 'a keytab file that does not exist',
    settings: () => ({ KERBEROS_KEYTAB_FILE: join(dir, 'missing.keytab') }),
    message: /KERBEROS_KEYTAB_FILE=\S*missing\.keytab: cannot read the keytab: ENOENT/,
  },
  {
    what: 'a keytab that cannot be read (a directory)',
    settings: () => ({ KERBEROS_KEYTAB_FILE: files.directory }),
    message: /KERBEROS_KEYTAB_FILE=\S*a-directory: cannot read the keytab: EISDIR/,
  },
  {
    what: 'a truncated keytab',
    settings: () => ({ KERBEROS_KEYTAB_FILE: files.truncated }),
    message: /KERBEROS_KEYTAB_FILE=\S*truncated\.keytab: not a usable keytab: truncated keytab entry/,
  },
  {
    what: 'a file that is no keytab',
    settings: () => ({ KERBEROS_KEYTAB_FILE: files.garbage }),
    message: /KERBEROS_KEYTAB_FILE=\S*garbage\.keytab: not a usable keytab: not an MIT keytab/,
  },
  {
    what: 'a keytab without keys',
    settings: () => ({ KERBEROS_KEYTAB_FILE: files.empty }),
    message: /KERBEROS_KEYTAB_FILE=\S*empty\.keytab: not a usable keytab: the keytab holds no keys/,
  },
  {
    what: 'a service principal without @REALM',
    settings: () => ({ KERBEROS_KEYTAB_FILE: files.keytab, KERBEROS_SERVICE_PRINCIPAL: 'HTTP/localhost' }),
    message: /KERBEROS_SERVICE_PRINCIPAL 'HTTP\/localhost' names no realm: .*@REALM/,
  },
  {
    what: 'a malformed service principal',
    settings: () => ({
      KERBEROS_KEYTAB_FILE: files.keytab,
      KERBEROS_SERVICE_PRINCIPAL: 'HTTP//@EXAMPLE.TEST',
    }),
    message: /KERBEROS_SERVICE_PRINCIPAL 'HTTP\/\/@EXAMPLE\.TEST' is not a principal name/,
  },
  {
    what: 'a service principal the keytab holds no key for',
    settings: () => ({
      KERBEROS_KEYTAB_FILE: files.keytab,
      KERBEROS_SERVICE_PRINCIPAL: 'HTTP/localhost@example.test',
    }),
    message:
      /KERBEROS_KEYTAB_FILE=\S*good\.keytab: not a usable keytab \(KERBEROS_SERVICE_PRINCIPAL=HTTP\/localhost@example\.test\): the keytab holds no key for HTTP\/localhost@example\.test, only for HTTP\/localhost@EXAMPLE\.TEST/,
  },
];

describe('Kerberos settings are checked once, at start', () => {
  describe('npm start refuses to start, naming the setting', () => {
    it('for a missing keytab file', async () => {
      const [missing] = cases;
      assert.match(await startRefusal(missing?.settings() ?? {}), missing?.message ?? /./);
    });

    it('for a truncated keytab in DATA_DIR/kerberos.keytab', async () => {
      const dataDir = await mkdtemp(join(dir, 'data-'));
      const keytab = keytabOf(['HTTP/localhost@EXAMPLE.TEST']);
      await writeFile(join(dataDir, 'kerberos.keytab'), keytab.subarray(0, 20));

      assert.match(
        await startRefusal({}, dataDir),
        /KERBEROS_KEYTAB_FILE=\S*kerberos\.keytab: not a usable keytab: truncated keytab entry/,
      );
    });

    it('for a service principal without @REALM', async () => {
      const message = await startRefusal({ KERBEROS_SERVICE_PRINCIPAL: 'HTTP/localhost' });

      assert.match(message, /KERBEROS_SERVICE_PRINCIPAL 'HTTP\/localhost' names no realm/);
    });
  });

  describe('the checks (as the local runtime and the Lambda function run them)', () => {
    for (const { what, settings, message } of cases) {
      it(`refuse ${what}`, async () => {
        await assert.rejects(startWindows(settings()), (err: Error) => {
          assert.equal(err.name, 'ConfigError');
          assert.match(err.message, message);
          return true;
        });
      });
    }

    it('take a good keytab, with its principal named in full or not named', async () => {
      const named = await startWindows({
        KERBEROS_KEYTAB_FILE: files.keytab,
        KERBEROS_SERVICE_PRINCIPAL: 'HTTP/localhost@EXAMPLE.TEST',
      });
      const unnamed = await startWindows({ KERBEROS_KEYTAB_FILE: files.keytab });

      assert.deepEqual((await named.keys?.current())?.principals, ['HTTP/localhost@EXAMPLE.TEST']);
      assert.deepEqual((await unnamed.keys?.current())?.principals, ['HTTP/localhost@EXAMPLE.TEST']);
    });
  });

  describe("the Lambda function's cold start fails with the same message", () => {
    for (const { what, settings, message } of cases) {
      it(`for ${what}`, async () => {
        const { failed, log } = await coldStart(settings());

        assert.equal(failed, true, `the cold start succeeded:\n${log}`);
        assert.match(log, message);
      });
    }

    it('and succeeds with a good keytab', async () => {
      const { failed, log } = await coldStart({
        KERBEROS_KEYTAB_FILE: files.keytab,
        KERBEROS_SERVICE_PRINCIPAL: 'HTTP/localhost@EXAMPLE.TEST',
      });

      assert.equal(failed, false, log);
    });
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { installKerberosTools, missingKerberosMessage } from '../../local/mit-kdc.ts';
import { browserAvailable, chromiumArgs, chromiumPath } from '../browser/support.ts';
import { kdcAvailable } from '../support/mit-kdc.ts';
import { startProductProcess, type ProductProcess } from './support/product-process.ts';

// The SDK's notice about Node 20 concerns its releases after January 2027; the lock file pins this one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const available = kdcAvailable();
const browser = available === true ? browserAvailable() : available;
let dataDir: string;
let demo: ProductProcess | undefined;

before(async () => {
  if (available !== true) return;
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-demo-windows-'));
  // As an administrator runs it, on ports of its own choosing (PORT=0: any free port).
  demo = await startProductProcess(process.execPath, ['--import', 'tsx', 'local/demo-windows.ts'], {
    cwd: repo,
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', EXTERNAL_PORT: '0' },
    readyMs: 120_000,
  });
});
after(async () => {
  await demo?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** One line of the printed steps, by its pattern; fails naming the step when it is not there. */
function printed(pattern: RegExp, step: string): RegExpExecArray {
  const match = pattern.exec(demo?.output() ?? '');
  assert.ok(match, `the demo prints ${step}:\n${demo?.output()}`);
  return match;
}

const steps = () => ({
  exports: printed(/^ +export (KRB5_CONFIG=\S+ KRB5CCNAME=\S+)$/m, 'the export line')[1] ?? '',
  kinit: printed(/^ +(kinit \S+@CONTOSO\.TEST)$/m, 'the kinit line')[1] ?? '',
  password: printed(/\(password: (\S+)\)/, "the user's password")[1] ?? '',
  curl:
    printed(/^ +(curl --negotiate -u : http:\/\/localhost:\d+\/auth\/windows)$/m, 'the curl line')[1] ?? '',
  chromium: printed(
    /^ +chromium --user-data-dir=(\S+) (--auth-server-allowlist=localhost) (http:\/\/localhost:\d+\/auth\/windows\/quick)$/m,
    'the Chromium line',
  ),
  kdcPort: Number(printed(/realm CONTOSO\.TEST on 127\.0\.0\.1:(\d+)/, 'the KDC address')[1]),
  keytab: printed(/keytab: +(\S+) \(re-read when it changes\)/, 'the keytab')[1] ?? '',
});

/** Runs the printed lines in a shell, as a user pastes them, the password typed at kinit's prompt. */
function shell(script: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('bash', ['-euc', script], { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run demo:windows', () => {
  it('is the package script that runs local/demo-windows.ts', async () => {
    const { scripts } = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };

    assert.equal(scripts['demo:windows'], 'tsx local/demo-windows.ts');
  });

  it('says which Debian packages to install when MIT Kerberos is missing', () => {
    const message = missingKerberosMessage(['/usr/sbin/krb5kdc']);

    assert.match(message, /\/usr\/sbin\/krb5kdc/);
    assert.ok(message.includes(`sudo ${installKerberosTools}`), message);
    assert.match(installKerberosTools, /krb5-kdc krb5-admin-server krb5-user/);
  });

  describe(
    'end to end, following the steps it prints',
    { skip: available === true ? false : available },
    () => {
      it('writes the keytab where the product reads it and names the service principal HTTP/localhost@REALM', () => {
        const { keytab } = steps();

        assert.equal(keytab, join(dataDir, 'kerberos.keytab'));
        assert.ok(existsSync(keytab));
        assert.match(demo?.output() ?? '', /service principal: HTTP\/localhost@CONTOSO\.TEST/);
      });

      it('kinit then curl --negotiate -u : signs alice in: 200, her ticket cookie', async () => {
        const { exports, kinit, password, curl } = steps();

        const stdout = await shell(
          `export ${exports}\n${kinit} >/dev/null\n${curl} -s -i --max-time 10\n`,
          `${password}\n`,
        );

        // curl prints the 401 challenge, then the answer to its Negotiate: the last block is the answer.
        const answer = stdout.split(/\r\n\r\n(?=HTTP\/)/).pop() ?? '';
        assert.match(answer, /^HTTP\/1\.1 200 /, stdout);
        const cookie = /^set-cookie: (__Host-cwa-ticket-internal=[^;]+)/im.exec(answer)?.[1];
        assert.ok(cookie, answer);
        assert.match(answer, /"sipUri":"sip:alice@contoso\.com"/);
        const site = /http:\/\/localhost:\d+/.exec(curl)?.[0] ?? '';
        const session = await fetch(`${site.replace('localhost', '127.0.0.1')}/api/session`, {
          headers: { cookie },
        });
        assert.equal(session.status, 200);
      });

      it(
        'the printed Chromium command signs in with no prompt (the demo prepared its profile)',
        { skip: browser === true ? false : browser },
        async () => {
          const { exports, kinit, password, chromium: line } = steps();
          const [, profile = '', allowlist = '', url = ''] = line;
          // The same terminal: KRB5_CONFIG and KRB5CCNAME as exported, alice's ticket in that cache.
          const env = await shell(`export ${exports}\n${kinit} >/dev/null\nenv\n`, `${password}\n`);
          const clientEnv = Object.fromEntries(
            env
              .split('\n')
              .filter((l) => /^KRB5(_CONFIG|CCNAME)=/.test(l))
              .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
          );
          assert.equal(Object.keys(clientEnv).length, 2, env);
          const localState = JSON.parse(await readFile(join(profile, 'Local State'), 'utf8')) as {
            net?: { received_http_auth_negotiate_headers?: boolean };
          };
          assert.equal(localState.net?.received_http_auth_negotiate_headers, true);

          const context = await chromium.launchPersistentContext(profile, {
            executablePath: chromiumPath,
            env: { ...process.env, ...clientEnv },
            args: [...chromiumArgs, allowlist],
          });
          try {
            const page = await context.newPage();
            await page.goto(url);
            await page.waitForURL(/\/app\/$/);
            await page.waitForSelector('body[data-connection="open"]');
            assert.equal(await page.textContent('#me-name'), 'Alice Ahn');
          } finally {
            await context.close();
          }
        },
      );

      it('stops cleanly: the product and the KDC, with its files and the keytab', async () => {
        const { kdcPort, keytab, curl } = steps();
        const sitePort = Number(/localhost:(\d+)/.exec(curl)?.[1]);
        assert.equal(await listening(kdcPort), true);

        await demo?.stop();

        assert.equal(demo?.child.exitCode, 0, demo?.output());
        assert.equal(await listening(kdcPort), false, 'the KDC is stopped');
        assert.equal(await listening(sitePort), false, 'the product is stopped');
        assert.equal(existsSync(join(dataDir, 'kdc')), false, "the KDC's files are removed");
        assert.equal(existsSync(keytab), false, 'the keytab is removed');
      });
    },
  );
});

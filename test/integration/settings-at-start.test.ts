import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { allHandlerModules, type HandlerModule } from '../../functions/routes.ts';
import { bundleHandler, coldStart } from './support/cold-start.ts';
import { startProductProcess, type ProductProcess } from './support/product-process.ts';

/**
 * Issue 15.7: a wrong setting used to pass `npm start` (and a Lambda cold start) and then fail every
 * request that needed it with 500 `internal_error`. Every setting is read and checked once, at
 * start: the local runtime refuses to start naming the setting, and each function's cold start
 * fails with the same message in its log.
 */

// The SDK's notice about Node 20 concerns its releases after January 2027; the lock file pins this one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const repo = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
const files = { garbageKey: '', badCa: '', missing: '' };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cwa-settings-at-start-'));
  Object.assign(files, {
    garbageKey: join(dir, 'garbage.pem'),
    badCa: join(dir, 'bad-ca.pem'),
    missing: join(dir, 'missing.pem'),
  });
  await writeFile(files.garbageKey, '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n');
  // Looks like PEM (the old check looked for the BEGIN line only), holds no certificate.
  await writeFile(
    files.badCa,
    '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
  );
});
after(() => rm(dir, { recursive: true, force: true }));

/** A directory over LDAP that nothing reaches at start (nothing listens on port 9 here). */
const ldap = {
  DIRECTORY_PROVIDER: 'ldap',
  LDAP_URL: 'ldaps://127.0.0.1:9',
  LDAP_BIND_DN: 'cn=reader,dc=example,dc=test',
  LDAP_BIND_PASSWORD: 'not-used',
  LDAP_BASE_DN: 'ou=people,dc=example,dc=test',
  LDAP_DOMAIN: 'EXAMPLE',
};
const assertion = { ASSERTION_HEADER: 'x-upstream-assertion', ASSERTION_AUDIENCE: 'communicator' };
const sso = { SSO_ISSUER: 'https://idp.example.test', SSO_CLIENT_ID: 'communicator' };

/** One wrong setting each (with what it needs to be read at all), and what the refusal says. */
const cases: readonly { what: string; settings: () => Record<string, string>; message: RegExp }[] = [
  {
    what: 'a legacy URL that is no http(s) URL',
    settings: () => ({ LEGACY_URL: 'javascript:alert(1)' }),
    message: /LEGACY_URL must be an absolute http or https URL/,
  },
  {
    what: 'an idle time past its range',
    settings: () => ({ TICKET_IDLE_SECONDS: '99999999999' }),
    message: /TICKET_IDLE_SECONDS must be a positive integer up to 31536000, not '99999999999'/,
  },
  {
    what: 'a provider timeout past its range',
    settings: () => ({ ...sso, SSO_PROVIDER_TIMEOUT_MS: '86400000' }),
    message: /SSO_PROVIDER_TIMEOUT_MS must be a positive integer up to 60000/,
  },
  {
    what: 'an SSO issuer that is no URL',
    settings: () => ({ ...sso, SSO_ISSUER: 'idp.example.test' }),
    message: /SSO_ISSUER must be an https URL/,
  },
  {
    what: 'an assertion key file that does not exist',
    settings: () => ({ ...assertion, ASSERTION_PUBLIC_KEY_FILE: files.missing }),
    message: /ASSERTION_PUBLIC_KEY_FILE=\S*missing\.pem: cannot read the key: ENOENT/,
  },
  {
    what: 'an assertion key file that does not parse',
    settings: () => ({ ...assertion, ASSERTION_PUBLIC_KEY_FILE: files.garbageKey }),
    message: /ASSERTION_PUBLIC_KEY_FILE=\S*garbage\.pem: not a PEM public key/,
  },
  {
    what: 'an LDAP CA file whose certificate does not parse',
    settings: () => ({ ...ldap, LDAP_CA_FILE: files.badCa }),
    message: /LDAP_CA_FILE \S*bad-ca\.pem: certificate 1 does not parse/,
  },
  {
    what: 'an LDAP base that is no distinguished name',
    settings: () => ({ ...ldap, LDAP_BASE_DN: 'example.test' }),
    message: /LDAP_BASE_DN must be a distinguished name/,
  },
  {
    what: 'an NTLM domain that is no NetBIOS name',
    settings: () => ({ NTLM_DOMAIN: 'EXAMPLE CORP' }),
    message: /NTLM_DOMAIN 'EXAMPLE CORP' is not a NetBIOS domain name/,
  },
  {
    what: 'a public origin with a path',
    settings: () => ({ PUBLIC_ORIGIN_EXTERNAL: 'https://im.example.test/communicator' }),
    message: /PUBLIC_ORIGIN_EXTERNAL: "https:\/\/im\.example\.test\/communicator" is not an origin/,
  },
];

describe('npm start checks every setting before it reports healthy', () => {
  /**
   * `npm start` (local/main.ts) with these settings: its exit code and output when it exits before
   * its start banner; a start that reaches the banner is stopped at once and fails the test.
   */
  const start = async (settings: Record<string, string>) => {
    const env = {
      ...process.env,
      DATA_DIR: await mkdtemp(join(dir, 'data-')),
      PORT: '0',
      EXTERNAL_PORT: '0',
      ...settings,
    };
    let product: ProductProcess;
    try {
      product = await startProductProcess(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
        cwd: repo,
        env,
        readyMs: 120_000,
      });
    } catch (err) {
      const exited = /^exited with (\S+) before it was ready:\n([\s\S]*)$/.exec((err as Error).message);
      if (!exited) throw err;
      return { code: exited[1] ?? '', output: exited[2] ?? '' };
    }
    const output = product.output();
    await product.stop();
    return assert.fail(`started although a setting is wrong:\n${output}`);
  };

  for (const { what, settings, message } of cases) {
    it(`refuses to start with ${what}, naming the setting`, async () => {
      const { code, output } = await start(settings());

      assert.match(code, /^[1-9]\d*$/, `a non-zero exit, not ${code}:\n${output}`);
      assert.match(output, /Could not start: /);
      assert.match(output, message);
      assert.doesNotMatch(output, /Web Communicator is running/);
    });
  }
});

describe("a function's cold start fails on a wrong setting, with the message in its log", () => {
  const bundles = new Map<string, Promise<string>>();
  /** Each handler bundled once per deployment kind, as the stack bundles it. */
  const bundled = (module: HandlerModule, settings: Record<string, string> = {}) => {
    const key = `${module} ${JSON.stringify(settings)}`;
    if (!bundles.has(key)) bundles.set(key, bundleHandler(module, dir, settings));
    return bundles.get(key)!;
  };

  const coldCases: readonly {
    module: HandlerModule;
    what: string;
    settings: Record<string, string>;
    bundledFor?: Record<string, string>;
    message: RegExp;
  }[] = [
    {
      module: 'ws/actions',
      what: 'a legacy URL that is no http(s) URL',
      settings: { LEGACY_URL: 'javascript:alert(1)' },
      message: /LEGACY_URL must be an absolute http or https URL/,
    },
    {
      module: 'ws/actions',
      what: 'a ticket lifetime past its range',
      settings: { TICKET_LIFETIME_SECONDS_EXTERNAL: '1e9' },
      message: /TICKET_LIFETIME_SECONDS_EXTERNAL must be a positive integer up to 31536000, not '1e9'/,
    },
    {
      module: 'http/assertion-sign-in',
      what: 'an assertion key that does not parse',
      settings: {
        ...assertion,
        ASSERTION_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
      },
      message: /ASSERTION_PUBLIC_KEY: not a PEM public key/,
    },
    {
      module: 'http/sso-start',
      what: 'a sign-out page that is no https URL',
      settings: { SIGNOUT_PAGE_URL_EXTERNAL: 'http://portal.example.test/signed-out' },
      message: /SIGNOUT_PAGE_URL_EXTERNAL must be an absolute https URL or a path on the site/,
    },
    {
      module: 'http/certificate-sign-in',
      what: 'a smart card CA that does not parse',
      settings: {
        CLIENT_CERT_SITES: 'external',
        CLIENT_CERT_CA: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
      },
      message: /CLIENT_CERT_CA: certificate 1 does not parse/,
    },
    {
      module: 'ws/authorizer',
      what: 'an LDAP directory, the function bundled without the LDAP client',
      settings: ldap,
      message: /DIRECTORY_PROVIDER is ldap, but this function was bundled without the LDAP client/,
    },
    {
      module: 'ws/authorizer',
      what: 'an LDAP CA that does not parse',
      settings: {
        ...ldap,
        LDAP_CA_PEM: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
      },
      bundledFor: { DIRECTORY_PROVIDER: 'ldap' },
      message: /LDAP_CA_PEM: certificate 1 does not parse/,
    },
    {
      module: 'ws/authorizer',
      what: 'an LDAP user filter that does not parse',
      settings: { ...ldap, LDAP_USER_FILTER: '(objectClass=person' },
      bundledFor: { DIRECTORY_PROVIDER: 'ldap' },
      message: /LDAP_USER_FILTER is not an LDAP filter/,
    },
    {
      module: 'scheduled/recheck-policy',
      what: 'a public origin that is no origin',
      settings: { PUBLIC_ORIGIN_INTERNAL: 'im.example.test' },
      message: /PUBLIC_ORIGIN_INTERNAL: "im\.example\.test" is not an origin/,
    },
    {
      module: 'http/authorizer',
      what: 'a secret named by something other than its ARN',
      settings: { ORIGIN_VERIFY_SECRET_ARN: 'OriginVerifySecret' },
      message: /ORIGIN_VERIFY_SECRET_ARN must be the ARN of a Secrets Manager secret/,
    },
  ];

  for (const { module, what, settings, bundledFor, message } of coldCases) {
    it(`${module}: for ${what}`, async () => {
      const { failed, log } = await coldStart(await bundled(module, bundledFor), settings);

      assert.equal(failed, true, `the cold start succeeded:\n${log}`);
      assert.match(log, message);
      // One JSON line the stack's metric filter counts (the start refusal alarm).
      const line = log.split('\n').find((l) => l.startsWith('{') && l.includes('"Could not start"'));
      assert.ok(line, `no start refusal line in:\n${log}`);
      const logged = JSON.parse(line) as { level: string; message: string; error: string };
      assert.equal(logged.level, 'error');
      assert.match(logged.error, message);
    });
  }

  it('and each of those functions starts with good settings', async () => {
    const good = {
      ...assertion,
      ASSERTION_PUBLIC_KEY: '',
      LEGACY_URL: 'https://legacy.example.test/',
      SIGNOUT_PAGE_URL_EXTERNAL: 'https://portal.example.test/signed-out',
      TICKET_LIFETIME_SECONDS_EXTERNAL: '3600',
    };
    for (const module of new Set(coldCases.map((c) => c.module))) {
      const { failed, log } = await coldStart(await bundled(module), {
        ...good,
        ASSERTION_JWKS_URL: 'https://upstream.example.test/jwks.json',
      });
      assert.equal(failed, false, `${module}:\n${log}`);
    }
    const withLdap = await coldStart(await bundled('ws/authorizer', { DIRECTORY_PROVIDER: 'ldap' }), ldap);
    assert.equal(withLdap.failed, false, withLdap.log);
  });

  it('every handler module runs the check as it loads', async () => {
    const unchecked: string[] = [];
    for (const module of allHandlerModules()) {
      const { metafile } = await build({
        entryPoints: [join(repo, 'functions', `${module}.ts`)],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'node',
        packages: 'external',
        metafile: true,
        absWorkingDir: repo,
        logLevel: 'silent',
      });
      if (!Object.keys(metafile.inputs).includes('functions/startup-check.ts')) unchecked.push(module);
    }
    assert.deepEqual(unchecked, []);
  });
});

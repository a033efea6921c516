import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { build } from 'esbuild';
import { lambdaBuildOptions, lambdaDefines } from '../../lib/lambda-bundling.ts';

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A script bundled as the stack bundles handlers (from the repository root); its file and inputs. */
async function bundleScript(contents: string) {
  const dir = await mkdtemp(join(tmpdir(), 'cwa-lambda-bundle-'));
  dirs.push(dir);
  const outfile = join(dir, 'index.mjs');
  const { metafile } = await build({
    stdin: { contents, resolveDir: repositoryRoot, loader: 'ts' },
    outfile,
    ...lambdaBuildOptions,
    mainFields: [...lambdaBuildOptions.mainFields],
    absWorkingDir: repositoryRoot,
    metafile: true,
    logLevel: 'silent',
  });
  return { outfile, inputs: Object.keys(metafile.inputs) };
}

/** A DynamoDB client bundled as the stack bundles handlers; prints the credentials it resolves. */
const bundleClient = () =>
  bundleScript(`import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
    const credentials = await new DynamoDBClient({ region: 'eu-west-1' }).config.credentials();
    process.stdout.write(JSON.stringify(credentials));`);

describe('the Lambda bundles', () => {
  it("take the function role's credentials from the environment, as Lambda provides them", async () => {
    const { outfile } = await bundleClient();

    const { stdout } = await run(process.execPath, [outfile], {
      env: {
        PATH: process.env.PATH,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret-example',
        AWS_SESSION_TOKEN: 'session-example',
      },
    });

    const credentials = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(credentials.accessKeyId, 'AKIDEXAMPLE');
    assert.equal(credentials.secretAccessKey, 'secret-example');
    assert.equal(credentials.sessionToken, 'session-example');
  });

  it("leave out the default chain's other sources and the STS and SSO clients they carry", async () => {
    const { inputs } = await bundleClient();

    const packages = new Set(inputs.map((input) => /node_modules\/(@[^/]+\/[^/]+)/.exec(input)?.[1]));
    for (const unused of [
      '@aws-sdk/credential-provider-node',
      '@aws-sdk/credential-provider-sso',
      '@aws-sdk/credential-provider-ini',
      '@aws-sdk/nested-clients',
    ]) {
      assert.equal(packages.has(unused), false, `${unused} is bundled`);
    }
    assert.equal(packages.has('@aws-sdk/credential-provider-env'), true);
  });

  it('fail clearly when the environment holds no credentials', async () => {
    const { outfile } = await bundleClient();

    await assert.rejects(
      run(process.execPath, [outfile], { env: { PATH: process.env.PATH } }),
      /Unable to find environment variable credentials/,
    );
  });

  describe('of a deployment', () => {
    /** The WebSocket authorizer (it builds the directory) bundled for these settings: what it carries. */
    async function bundleAuthorizer(settings: Record<string, string>) {
      const { metafile } = await build({
        entryPoints: [join(repositoryRoot, 'functions/ws/authorizer.ts')],
        write: false,
        outfile: join(tmpdir(), 'authorizer.mjs'),
        ...lambdaBuildOptions,
        mainFields: [...lambdaBuildOptions.mainFields],
        define: lambdaDefines(settings),
        absWorkingDir: repositoryRoot,
        metafile: true,
        logLevel: 'silent',
      });
      // What the output carries (the metafile's inputs also list files parsed and then dropped).
      const [output] = Object.values(metafile.outputs);
      return Object.entries(output?.inputs ?? {})
        .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
        .map(([input]) => input);
    }
    const hasLdap = (inputs: string[]) => inputs.some((input) => input.includes('node_modules/ldapts/'));

    it('with the built-in directory leave the LDAP client out', async () => {
      assert.equal(hasLdap(await bundleAuthorizer({})), false);
      assert.equal(hasLdap(await bundleAuthorizer({ DIRECTORY_PROVIDER: 'builtin' })), false);
    });

    it('with an LDAP directory carry the LDAP client', async () => {
      assert.equal(hasLdap(await bundleAuthorizer({ DIRECTORY_PROVIDER: 'ldap' })), true);
      // Read as the handlers read it: they trim the value.
      assert.equal(hasLdap(await bundleAuthorizer({ DIRECTORY_PROVIDER: ' ldap ' })), true);
    });

    it('without the LDAP client refuse an LDAP directory at cold start, saying why', async () => {
      const { outfile } = await bundleScript(`import { buildDirectory } from './functions/directory-deps.ts';
          import { readDirectorySettings } from './functions/directory-config.ts';
          const settings = readDirectorySettings({
            DIRECTORY_PROVIDER: 'ldap',
            LDAP_URL: 'ldaps://directory.example.test',
            LDAP_BASE_DN: 'dc=example,dc=test',
            LDAP_BIND_DN: 'cn=reader,dc=example,dc=test',
            LDAP_BIND_PASSWORD: 'not-used',
            LDAP_DOMAIN: 'EXAMPLE',
          });
          await buildDirectory(undefined, {}, { now: Date.now }, settings);`);

      await assert.rejects(
        run(process.execPath, [outfile], { env: { PATH: process.env.PATH } }),
        /bundled without the LDAP client/,
      );
    });
  });
});

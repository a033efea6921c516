import assert from 'node:assert/strict';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../functions/core/clock.ts';
import { openEmbeddedDatabase } from '../../functions/embedded/database.ts';
import { embeddedStores } from '../../functions/embedded/stores.ts';
import { readRuntimeFile } from '../../local/runtime-file.ts';
import { allTestPeople, testDomain, testPeople } from '../support/directory-people.ts';
import { slapdAvailable, startSlapd, type Slapd } from '../support/slapd.ts';
import { repo, runAdmin } from './support/admin.ts';
import { demo, postJson } from './support/client.ts';
import { startProductProcess, type ProductProcess } from './support/product-process.ts';

// The banner `npm start` prints goes to a terminal and from there into logs: it tells where users
// come from, and shows passwords only for the bundled demo directory, whose passwords are public.

// The SDK's notice about Node 20 concerns its releases after January 2027; the lock file pins this one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const start = [process.execPath, ['--import', 'tsx', 'local/main.ts']] as const;
const ldap = slapdAvailable();
if (ldap !== true) console.log(`# skipped the LDAP cases: ${ldap}`);

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cwa-banner-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

/** The product's environment: this one without any directory setting, plus `settings`. */
function envWith(dataDir: string, settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', EXTERNAL_PORT: '0' };
  for (const name of Object.keys(env)) {
    if (name.startsWith('DIRECTORY_') || name.startsWith('LDAP_')) delete env[name];
  }
  return { ...env, ...settings };
}

/** `npm start` (with `flags`) as its own process; answers it, its banner and its internal site. */
async function startProduct(
  name: string,
  settings: Record<string, string>,
  flags: readonly string[] = [],
): Promise<{ product: ProductProcess; banner: string; internal: string; dataDir: string }> {
  const dataDir = join(scratch, name);
  const product = await startProductProcess(start[0], [...start[1], ...flags], {
    cwd: repo,
    env: envWith(dataDir, settings),
  });
  const banner = product.output();
  const internal = /internal site: (http:\/\/\S+?)\/?\s/
    .exec(banner)?.[1]
    ?.replace('//localhost:', '//127.0.0.1:');
  if (!internal) {
    await product.stop();
    throw new Error(`no internal site in the banner:\n${banner}`);
  }
  return { product, banner, internal, dataDir };
}

/**
 * The LDAP case reads the built-in directory while the product runs, which only the AWS emulation's
 * store allows from outside (the embedded mode's database is the running product's).
 */
const awsEmulation = ['--aws-emulation'];

/**
 * Every user in the product's built-in directory, read from its store: the AWS emulation's table
 * through its endpoint while it runs; the embedded mode's database, which its product holds, once
 * the product has stopped.
 */
async function builtInUsers(dataDir: string): Promise<string[]> {
  const running = await readRuntimeFile(dataDir);
  if (running?.mode === 'embedded') throw new Error('stop the product before reading its embedded database');
  if (!running) {
    const folder = join(dataDir, 'embedded');
    if (!existsSync(folder)) throw new Error(`no running product and no embedded database in ${dataDir}`);
    const db = openEmbeddedDatabase(folder);
    try {
      const users: string[] = [];
      for await (const user of embeddedStores(db, systemClock).directory.list()) users.push(user.sipUri);
      return users.sort();
    } finally {
      await db.close();
    }
  }
  const { settings } = running;
  const client = new DynamoDBClient({
    endpoint: settings.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const { Items = [] } = await client.send(new ScanCommand({ TableName: settings.tableNames.users }));
    return Items.map((item) => item.sipUri?.S ?? '?').sort();
  } finally {
    client.destroy();
  }
}

const demoPasswords = Object.values(demo).flatMap((u) => (typeof u === 'string' ? [] : [u.password]));

describe('the start banner', () => {
  it('lists the demo users with their passwords when the bundled demo directory is in use', async () => {
    const { product, banner } = await startProduct('demo', {});
    await product.stop();

    assert.match(banner, /Sign in with domain CONTOSO and one of the demo users:/);
    assert.match(banner, /alice\s+alice-demo-pass\s+sip:alice@contoso\.com/);
    for (const password of demoPasswords) assert.ok(banner.includes(password), password);
  });

  it('lists no password for an administrator’s own DIRECTORY_SEED: how many users, from which file', async () => {
    const seedFile = join(scratch, 'own-seed.json');
    const own = ['olga', 'oscar'].map((username) => ({
      username,
      password: `${username}-own-secret-pass`,
      sipUri: `sip:${username}@example.org`,
      displayName: username,
      enabled: true,
      enhancedPresence: true,
      remoteAccess: true,
    }));
    await writeFile(seedFile, JSON.stringify({ domain: 'EXAMPLE', users: own }));

    const { product, banner, internal } = await startProduct('own-seed', { DIRECTORY_SEED: seedFile });
    try {
      for (const user of own) assert.ok(!banner.includes(user.password), `${user.username}'s password shown`);
      assert.ok(!banner.includes(own[0]?.sipUri ?? ''), 'no user list');
      assert.ok(banner.includes(`seeded from ${seedFile}`), banner);
      assert.match(banner, /\(2 users there; 2 added at this start/);
      assert.match(banner, /Passwords are not shown/);
      // The seed was loaded all the same.
      const signIn = await postJson(internal, '/auth/forms', {
        domain: 'EXAMPLE',
        username: 'olga',
        password: 'olga-own-secret-pass',
      });
      assert.equal(signIn.status, 200);
    } finally {
      await product.stop();
    }
  });
});

describe('DIRECTORY_PROVIDER=ldap', { skip: ldap !== true }, () => {
  let slapd: Slapd;
  before(async () => {
    slapd = await startSlapd(allTestPeople);
  });
  after(() => slapd?.close());

  it('the banner lists no demo users and says users come from LDAP; no seed is loaded; users commands refuse', async () => {
    const { product, banner, internal, dataDir } = await startProduct('ldap', slapd.settings(), awsEmulation);
    try {
      assert.match(
        banner,
        /Users: from the LDAP directory at ldaps?:\/\/127\.0\.0\.1:\d+ \(DIRECTORY_PROVIDER=ldap\)/,
      );
      assert.doesNotMatch(banner, /demo users:|sip:alice@contoso\.com/);
      for (const password of demoPasswords) assert.ok(!banner.includes(password), password);
      assert.deepEqual(await builtInUsers(dataDir), [], 'the built-in directory stays empty');
      const { alice } = testPeople;
      const signIn = await postJson(internal, '/auth/forms', {
        domain: testDomain,
        username: alice.username,
        password: alice.password,
      });
      assert.equal(signIn.status, 200, 'the directory’s users sign in');

      const added = await runAdmin(
        ['users', 'add', 'frank', '--sip-uri', 'sip:frank@contoso.com', '--name', 'Frank Fox'],
        { dataDir, input: 'frank-new-pass\n' },
      );
      const listed = await runAdmin(['users', 'list'], { dataDir });

      for (const outcome of [added, listed]) {
        assert.equal(outcome.code, 1, outcome.stderr);
        assert.match(
          outcome.stderr,
          /reads its users from LDAP \(DIRECTORY_PROVIDER=ldap\): manage them in the directory/,
        );
        assert.equal(outcome.stdout, '');
      }
      assert.deepEqual(await builtInUsers(dataDir), [], 'nothing was added');
      const frank = await postJson(internal, '/auth/forms', {
        domain: testDomain,
        username: 'frank',
        password: 'frank-new-pass',
      });
      assert.equal(frank.status, 401);
    } finally {
      await product.stop();
    }
  });

  it('leaves a DIRECTORY_SEED unread and says so', async () => {
    const seedFile = join(repo, 'local/demo-directory.json');
    const { product, banner, dataDir } = await startProduct('ldap-seed', {
      ...slapd.settings(),
      DIRECTORY_SEED: seedFile,
    });
    await product.stop();

    assert.ok(
      banner.includes(`DIRECTORY_SEED (${seedFile}) is not used: a seed fills only the built-in directory.`),
      banner,
    );
    assert.doesNotMatch(banner, /demo users:|sip:alice@contoso\.com/);
    assert.deepEqual(await builtInUsers(dataDir), [], 'the built-in directory stays empty');
  });
});

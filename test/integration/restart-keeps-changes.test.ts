import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tables } from '../../functions/core/storage/tables.ts';
import { demo, FrameClient, postJson, signIn } from './support/client.ts';
import { startProductProcess, type ProductProcess } from './support/product-process.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
let scratch: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cwa-restart-changes-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

/** A DATA_DIR and a seed file (the demo directory's, to start with) that successive starts share. */
interface Install {
  readonly dataDir: string;
  readonly seedFile: string;
  /** `npm start`'s options: `--aws-emulation`, or none for the embedded mode. */
  readonly flags: readonly string[];
}

async function install(name: string, flags: readonly string[]): Promise<Install> {
  const dataDir = join(scratch, name);
  await mkdir(dataDir);
  const seedFile = join(dataDir, 'seed.json');
  await writeFile(seedFile, await readFile(join(repo, 'local/demo-directory.json')));
  return { dataDir, seedFile, flags };
}

/** `npm start` as its own process on this DATA_DIR and seed file; answers it and its internal site. */
async function startProduct({ dataDir, seedFile, flags }: Install): Promise<{
  product: ProductProcess;
  internal: string;
}> {
  const product = await startProductProcess(
    process.execPath,
    ['--import', 'tsx', 'local/main.ts', ...flags],
    {
      cwd: repo,
      env: {
        ...process.env,
        PORT: '0',
        EXTERNAL_PORT: '0',
        DATA_DIR: dataDir,
        DIRECTORY_SEED: seedFile,
        REGULATION_MAX_FAILURES_PER_ADDRESS: '1000',
      },
    },
  );
  const match = /internal site: (http:\/\/\S+?)\/?\s/.exec(product.output());
  if (!match?.[1]) {
    await product.stop();
    throw new Error(`no internal site in the banner:\n${product.output()}`);
  }
  return { product, internal: match[1].replace('//localhost:', '//127.0.0.1:') };
}

/**
 * `npm run admin -- <args>` against the product of `dataDir` (running, or not), `input` on its
 * standard input; answers what it printed.
 */
async function admin(dataDir: string, args: readonly string[], input = ''): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  for (const def of Object.values(tables)) delete env[def.envVar];
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/admin/main.ts', ...args], {
    cwd: repo,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  assert.equal(code, 0, `admin ${args.join(' ')} failed:\n${output}`);
  return output;
}

/** Kills the product outright (`kill -9` to its process group), as a crash or power loss would. */
async function killOutright(product: ProductProcess): Promise<void> {
  const exited = once(product.child, 'exit');
  process.kill(-(product.child.pid ?? 0), 'SIGKILL');
  await exited;
}

const signInStatus = async (base: string, username: string, password: string) =>
  (await postJson(base, '/auth/forms', { domain: demo.domain, username, password })).status;

/** carol's contact list as `sipUri [group]`, read over the WebSocket as the client reads it. */
async function carolsContacts(base: string): Promise<string[]> {
  const client = await FrameClient.connect(base, await signIn(base, demo.carol));
  try {
    const frame = await client.request({ action: 'contacts.list' }, 'contacts');
    const contacts = frame.contacts as { sipUri: string; group?: string }[];
    return contacts.map((c) => `${c.sipUri}${c.group ? ` [${c.group}]` : ''}`).sort();
  } finally {
    await client.close();
  }
}

/** Adds frank, a new user, to the seed file, as an administrator would between two starts. */
async function addFrankToTheSeed(seedFile: string): Promise<void> {
  const seed = JSON.parse(await readFile(seedFile, 'utf8')) as { users: Record<string, unknown>[] };
  seed.users.push({
    username: 'frank',
    password: 'frank-seed-pass',
    sipUri: 'sip:frank@contoso.com',
    displayName: 'Frank Fox',
    enabled: true,
    enhancedPresence: true,
    remoteAccess: false,
    contacts: ['sip:carol@contoso.com'],
  });
  await writeFile(seedFile, JSON.stringify(seed));
}

/** carol, over the WebSocket: removes alice from her contacts and adds bob in a group. */
async function carolRegroups(base: string): Promise<void> {
  const client = await FrameClient.connect(base, await signIn(base, demo.carol));
  try {
    await client.request({ action: 'contacts.remove', sipUri: demo.alice.sipUri }, 'contacts');
    await client.request({ action: 'contacts.add', sipUri: demo.bob.sipUri, group: 'Team' }, 'contacts');
  } finally {
    await client.close();
  }
}

describe('a restart on the same DATA_DIR keeps what administrators and users changed (AWS emulation)', () => {
  let emulation: Install;
  before(async () => {
    emulation = await install('aws-emulation', ['--aws-emulation']);
  });

  it('keeps a disabled user disabled, a new password, a removed contact and a group', async () => {
    const first = await startProduct(emulation);
    try {
      await admin(emulation.dataDir, ['users', 'disable', 'bob']);
      await admin(emulation.dataDir, ['users', 'enable', 'erin']);
      await admin(emulation.dataDir, ['users', 'set', 'alice', '--password'], 'alice-admin-set-pass\n');
      await carolRegroups(first.internal);
      assert.deepEqual(await carolsContacts(first.internal), ['sip:bob@contoso.com [Team]']);
    } finally {
      await first.product.stop();
    }

    const second = await startProduct(emulation);
    try {
      const base = second.internal;
      // Every part at once, so a failure names each change the restart undid.
      assert.deepEqual(
        {
          bobDisabled: await signInStatus(base, 'bob', demo.bob.password),
          erinEnabled: await signInStatus(base, 'erin', demo.erin.password),
          aliceSeedPassword: await signInStatus(base, 'alice', demo.alice.password),
          aliceNewPassword: await signInStatus(base, 'alice', 'alice-admin-set-pass'),
          carolsContacts: await carolsContacts(base),
        },
        {
          bobDisabled: 403,
          erinEnabled: 200,
          aliceSeedPassword: 401,
          aliceNewPassword: 200,
          carolsContacts: ['sip:bob@contoso.com [Team]'],
        },
      );
    } finally {
      await second.product.stop();
    }
  });

  it('adds a user the seed file gained since, and leaves the others as they are', async () => {
    await addFrankToTheSeed(emulation.seedFile);

    const third = await startProduct(emulation);
    try {
      const base = third.internal;
      assert.equal(await signInStatus(base, 'frank', 'frank-seed-pass'), 200);
      assert.equal(await signInStatus(base, 'bob', demo.bob.password), 403);
      assert.deepEqual(await carolsContacts(base), ['sip:bob@contoso.com [Team]']);
    } finally {
      await third.product.stop();
    }
  });
});

describe('a restart on the same DATA_DIR keeps what administrators and users changed (embedded)', () => {
  it('keeps what the admin command changed while the product ran and while it was down, a removed contact and a group, and adds a user the seed file gained', async () => {
    const embedded = await install('embedded', []);
    const first = await startProduct(embedded);
    try {
      await admin(embedded.dataDir, ['users', 'disable', 'bob']);
      await carolRegroups(first.internal);
    } finally {
      await killOutright(first.product);
    }
    assert.ok(existsSync(join(embedded.dataDir, 'runtime.json')), 'the killed product left its runtime.json');
    // No product runs: the command works on the product's database itself.
    const enabled = await admin(embedded.dataDir, ['users', 'enable', 'erin']);
    await admin(embedded.dataDir, ['users', 'set', 'erin', '--password'], 'erin-admin-set-pass\n');
    assert.match(enabled, /The product is not running: working on its database/);
    await addFrankToTheSeed(embedded.seedFile);

    const second = await startProduct(embedded);
    try {
      const base = second.internal;
      assert.deepEqual(
        {
          bobDisabled: await signInStatus(base, 'bob', demo.bob.password),
          erinSeedPassword: await signInStatus(base, 'erin', demo.erin.password),
          erinNewPassword: await signInStatus(base, 'erin', 'erin-admin-set-pass'),
          frankAdded: await signInStatus(base, 'frank', 'frank-seed-pass'),
          aliceAsSeeded: await signInStatus(base, 'alice', demo.alice.password),
          carolsContacts: await carolsContacts(base),
        },
        {
          bobDisabled: 403,
          erinSeedPassword: 401,
          erinNewPassword: 200,
          frankAdded: 200,
          aliceAsSeeded: 200,
          carolsContacts: ['sip:bob@contoso.com [Team]'],
        },
      );
    } finally {
      await second.product.stop();
    }
  });
});

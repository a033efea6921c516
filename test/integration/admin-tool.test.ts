import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FrameClient, postJson, ticketCookieOf } from './support/client.ts';
import { runAdmin, type AdminOutcome } from './support/admin.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

// `npm run admin` as an administrator uses it: through npm and the launcher's cached bundle, from
// their own directory, the answer alone on standard output. `users hash` and `seed generate` need no
// running product; what they write is then loaded into one, and its users sign in.

const domain = 'LOADTEST';
const hashedUser = {
  username: 'hashed',
  password: 'hashed-user-pass',
  sipUri: 'sip:hashed@loadtest.example',
};

let files: string;
let rt: TestRuntime;
let hashed: AdminOutcome;
let generated: AdminOutcome;
let toStdout: AdminOutcome;

interface SeedFile {
  domain: string;
  users: Record<string, unknown>[];
}

before(async () => {
  files = await mkdtemp(join(tmpdir(), 'cwa-admin-tool-'));
  // Run from the administrator's directory: relative paths are theirs, not the project's.
  hashed = await runAdmin(['users', 'hash'], { via: 'npm', cwd: files, input: `${hashedUser.password}\n` });
  generated = await runAdmin(['seed', 'generate', '--users', '5', '--domain', domain, '--out', 'load.json'], {
    via: 'npm',
    cwd: files,
  });
  toStdout = await runAdmin(['seed', 'generate', '--users', '3', '--passwords', 'three.csv'], { cwd: files });
  assert.equal(hashed.code, 0, hashed.stderr);
  assert.equal(generated.code, 0, generated.stderr);

  // The generated seed, and one more user given only by the hash `users hash` printed.
  const seed = JSON.parse(await readFile(join(files, 'load.json'), 'utf8')) as SeedFile;
  seed.users.push({
    username: hashedUser.username,
    sipUri: hashedUser.sipUri,
    displayName: 'Hashed User',
    passwordHash: hashed.stdout.trim(),
    enabled: true,
    enhancedPresence: true,
    remoteAccess: true,
  });
  const seedPath = join(files, 'with-hashed.json');
  await writeFile(seedPath, JSON.stringify(seed));
  // `npm start`'s mode: the commands that reach the product go through its admin endpoint.
  rt = await startTestRuntime({
    mode: 'embedded',
    seedPath,
    handlerSettings: { REGULATION_MAX_FAILURES_PER_ADDRESS: '1000' },
  });
});
after(async () => {
  await rt?.close();
  await rm(files, { recursive: true, force: true });
});

const signIn = (username: string, password: string) =>
  postJson(rt.internal, '/auth/forms', { domain, username, password });

/** The passwords file `seed generate` wrote, as username → password. */
async function passwordsIn(path: string): Promise<Map<string, string>> {
  const [header, ...rows] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  assert.equal(header, 'username,sipUri,password');
  return new Map(
    rows.map((row) => {
      const [username = '', , password = ''] = row.split(',');
      return [username, password];
    }),
  );
}

/** No line of standard output is a JSON log line (audit trail, EMF metrics). */
function assertOnlyTheAnswer(outcome: AdminOutcome): void {
  for (const line of outcome.stdout.split('\n')) {
    assert.ok(!line.trimStart().startsWith('{'), `a log line on standard output: ${line}`);
  }
}

describe('npm run admin -- users hash', () => {
  it('prints only the passwordHash of the password on standard input; a seed user given it signs in', async () => {
    assert.match(hashed.stdout, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+\n$/);
    assert.ok(!hashed.stdout.includes(hashedUser.password) && !hashed.stderr.includes(hashedUser.password));
    const seed = JSON.parse(await readFile(join(files, 'with-hashed.json'), 'utf8')) as SeedFile;
    assert.equal(seed.users.at(-1)?.password, undefined, 'the seed holds no password');

    assert.equal((await signIn(hashedUser.username, hashedUser.password)).status, 200);
    assert.equal((await signIn(hashedUser.username, 'not-the-password')).status, 401);
  });

  it('salts every hash, refuses a password it would refuse for a user (1), and takes no argument (2)', async () => {
    const again = await runAdmin(['users', 'hash'], { input: `${hashedUser.password}\n` });
    assert.equal(again.code, 0, again.stderr);
    assert.notEqual(again.stdout, hashed.stdout);

    const short = await runAdmin(['users', 'hash'], { input: 'short\n' });
    assert.equal(short.code, 1);
    assert.match(short.stderr, /the password must be 8 to 1024 characters/);
    assert.equal(short.stdout, '');

    const empty = await runAdmin(['users', 'hash']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /No password on standard input/);

    const argument = await runAdmin(['users', 'hash', 'secret-pass']);
    assert.equal(argument.code, 2);
    assert.match(argument.stderr, /never command-line arguments/);
  });
});

describe('npm run admin -- seed generate', () => {
  it('writes a seed of N users and their passwords to a separate owner-only file; they sign in', async () => {
    const seedPath = join(files, 'load.json');
    const passwordsPath = join(files, 'load.passwords.csv');
    assert.match(generated.stdout, /5 users of LOADTEST; their passwords are in .*load\.passwords\.csv/);
    assert.equal((await stat(passwordsPath)).mode & 0o777, 0o600);

    const seed = JSON.parse(await readFile(seedPath, 'utf8')) as SeedFile;
    assert.equal(seed.domain, domain);
    assert.equal(seed.users.length, 5);
    const passwords = await passwordsIn(passwordsPath);
    assert.equal(passwords.size, 5);
    for (const user of seed.users) {
      assert.equal(user.password, undefined, 'no password in the seed');
      assert.match(String(user.passwordHash), /^scrypt\$/);
      const password = passwords.get(String(user.username)) ?? '';
      assert.ok(!JSON.stringify(seed).includes(password), 'no password in the seed');
    }

    const password = passwords.get('user3') ?? '';
    const response = await signIn('user3', password);
    assert.equal(response.status, 200);
    assert.equal((await signIn('user3', `${password}x`)).status, 401);

    // Each watches the next users (4 of the other 4 here, 10 by default), so presence fans out.
    const client = await FrameClient.connect(rt.internal, ticketCookieOf(response));
    try {
      const frame = await client.request({ action: 'contacts.list' }, 'contacts');
      const contacts = (frame.contacts as { sipUri: string }[]).map((c) => c.sipUri).sort();
      assert.deepEqual(contacts, [
        'sip:user1@loadtest.example',
        'sip:user2@loadtest.example',
        'sip:user4@loadtest.example',
        'sip:user5@loadtest.example',
      ]);
    } finally {
      await client.close();
    }
  });

  it('without --out, the seed is the answer on standard output and the note goes to standard error', async () => {
    assert.equal(toStdout.code, 0, toStdout.stderr);
    const seed = JSON.parse(toStdout.stdout) as SeedFile;
    assert.equal(seed.users.length, 3);
    assert.match(toStdout.stderr, /3 users of LOADTEST; their passwords are in .*three\.csv \(owner-only\)/);
    assert.equal((await stat(join(files, 'three.csv'))).mode & 0o777, 0o600);
    assert.equal((await passwordsIn(join(files, 'three.csv'))).size, 3);
  });

  it('refuses what it cannot do with exit code 2, writing nothing', async () => {
    for (const args of [
      ['seed', 'generate'],
      ['seed', 'generate', '--users', '0'],
      ['seed', 'generate', '--users', 'many'],
      ['seed', 'generate', '--users', '3', '--contacts', '3'],
      ['seed', 'generate', '--users', '3', '--out', 'same.csv', '--passwords', 'same.csv'],
      ['seed', 'plant', '--users', '3'],
    ]) {
      const outcome = await runAdmin(args, { cwd: files });
      assert.equal(outcome.code, 2, `${args.join(' ')}: ${outcome.stderr}`);
      assert.equal(outcome.stdout, '');
    }
    await assert.rejects(stat(join(files, 'same.csv')));
  });
});

describe('standard output carries only the answer', () => {
  it('sessions revoke: the report on standard output, the audit trail and metrics on standard error', async () => {
    const passwords = await passwordsIn(join(files, 'load.passwords.csv'));
    assert.equal((await signIn('user1', passwords.get('user1') ?? '')).status, 200);

    const revoked = await runAdmin(['sessions', 'revoke', 'sip:user1@loadtest.example'], {
      dataDir: rt.dataDir,
    });

    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /^Revoked 1 session of sip:user1@loadtest\.example: /);
    assertOnlyTheAnswer(revoked);
    assert.match(revoked.stderr, /"event":"session\.ended","reason":"revoked"/, 'the audit line');

    const listed = await runAdmin(['users', 'list'], { dataDir: rt.dataDir, via: 'npm' });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /LOADTEST\\user1\s+sip:user1@loadtest\.example/);
    assertOnlyTheAnswer(listed);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAdmin } from './support/admin.ts';
import { demo, postJson, signIn } from './support/client.ts';
import { runtimeModes, startTestRuntime, type TestRuntime } from './support/runtime.ts';

// The same commands, the same answers, in both modes: the embedded mode runs them in the product
// (its admin endpoint), the AWS emulation in the command, against its DynamoDB endpoint.
for (const mode of runtimeModes) {
  describe(`npm run admin -- users (the built-in directory), in the ${mode} mode`, () => {
    let rt: TestRuntime;
    let files: string;

    before(async () => {
      rt = await startTestRuntime({ mode, handlerSettings: { REGULATION_MAX_FAILURES_PER_ADDRESS: '1000' } });
      files = await mkdtemp(join(tmpdir(), 'cwa-users-'));
    });
    after(async () => {
      await rt?.close();
      await rm(files, { recursive: true, force: true });
    });

    /** `npm run admin -- <args>` as its own process, found through DATA_DIR, `input` on its standard input. */
    const admin = (args: readonly string[], input = '') => runAdmin(args, { dataDir: rt.dataDir, input });

    const signInStatus = async (username: string, password: string, base = rt.internal) =>
      (await postJson(base, '/auth/forms', { domain: demo.domain, username, password })).status;

    it('adds a user with the password from standard input, who can then sign in', async () => {
      const added = await admin(
        [
          'users',
          'add',
          'frank',
          '--sip-uri',
          'sip:frank@contoso.com',
          '--name',
          'Frank Fox',
          '--remote-access',
        ],
        'frank-new-pass\n',
      );
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /add\s+frank sip:frank@contoso\.com/);
      assert.equal(await signInStatus('frank', 'frank-new-pass', rt.external), 200);
      assert.equal(await signInStatus('frank', 'wrong-password'), 401);
    });

    it('never takes a password as an argument', async () => {
      for (const args of [
        ['users', 'add', 'gina', '--sip-uri', 'sip:gina@contoso.com', '--name', 'Gina', 'secret-pass'],
        ['users', 'set', 'frank', '--password=secret-pass'],
        ['users', 'set', 'frank', '--password', 'secret-pass'],
      ]) {
        const outcome = await admin(args);
        assert.equal(outcome.code, 2, args.join(' '));
        assert.match(outcome.stderr, /never command-line arguments/);
      }
    });

    it('disables and enables a user: a disabled user is refused at sign-in, and their sessions end', async () => {
      const cookie = await signIn(rt.internal, demo.bob);
      const disabled = await admin(['users', 'disable', 'bob']);
      assert.equal(disabled.code, 0, disabled.stderr);
      assert.match(disabled.stdout, /enabled true → false/);
      assert.match(
        disabled.stderr,
        /"event":"session.ended","reason":"policy","sipUri":"sip:bob@contoso.com"/,
      );
      assert.equal((await fetch(`${rt.internal}/api/session`, { headers: { cookie } })).status, 401);
      assert.equal(await signInStatus('bob', demo.bob.password), 403);
      const enabled = await admin(['users', 'enable', 'bob']);
      assert.equal(enabled.code, 0, enabled.stderr);
      assert.equal(await signInStatus('bob', demo.bob.password), 200);
      assert.equal((await fetch(`${rt.internal}/api/session`, { headers: { cookie } })).status, 401);
    });

    it('changes policy flags and the password; NTLM needs the password along with it', async () => {
      const refused = await admin(['users', 'set', 'frank', '--ntlm']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /NTLM needs the plain password/);
      const changed = await admin(
        ['users', 'set', 'frank', '--no-remote-access', '--ntlm', '--password'],
        'frank-newer-pass\n',
      );
      assert.equal(changed.code, 0, changed.stderr);
      assert.match(changed.stdout, /remoteAccess true → false, password, ntlm false → true/);
      assert.equal(await signInStatus('frank', 'frank-newer-pass', rt.external), 403);
      assert.equal(await signInStatus('frank', 'frank-newer-pass'), 200);
    });

    it('lists the users with their policy', async () => {
      const listed = await admin(['users', 'list']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(
        listed.stdout,
        /CONTOSO\\frank\s+sip:frank@contoso\.com\s+Frank Fox\s+yes\s+yes\s+no\s+no/,
      );
      assert.match(listed.stdout, /CONTOSO\\alice\s+sip:alice@contoso\.com/);
    });

    it('imports CSV: the dry run reports what would change and writes nothing; the real run does it', async () => {
      const csv = join(files, 'people.csv');
      await writeFile(
        csv,
        [
          'username,sipUri,displayName,enabled,enhancedPresence,remoteAccess,password',
          'hana,sip:hana@contoso.com,"Hana, Head of Sales",true,true,yes,hana-import-pass',
          'alice,,,,,no,',
          'carol,,,,,yes,',
          'erin,,,true,,,',
          'dave,,,,,,',
        ].join('\n'),
      );
      const dry = await admin(['users', 'import', csv, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /add\s+hana sip:hana@contoso\.com: displayName "Hana, Head of Sales"/);
      assert.match(dry.stdout, /change\s+alice sip:alice@contoso\.com: remoteAccess true → false/);
      assert.match(dry.stdout, /change\s+carol sip:carol@contoso\.com: remoteAccess false → true/);
      assert.match(dry.stdout, /change\s+erin sip:erin@contoso\.com: enabled false → true/);
      assert.match(dry.stdout, /unchanged\s+dave/);
      assert.match(dry.stdout, /would add 1, change 3; 1 unchanged, 0 refused/);
      assert.equal(await signInStatus('hana', 'hana-import-pass'), 401, 'the dry run wrote nothing');

      const real = await admin(['users', 'import', csv]);
      assert.equal(real.code, 0, real.stderr);
      assert.match(real.stdout, /Added 1, changed 3; 1 unchanged/);
      assert.equal(await signInStatus('hana', 'hana-import-pass', rt.external), 200);
      assert.equal(await signInStatus('carol', demo.carol.password, rt.external), 200);
      assert.equal(await signInStatus('erin', demo.erin.password), 200);
      assert.equal(await signInStatus('alice', demo.alice.password, rt.external), 403);
    });

    it('imports JSON, and refuses the whole import when any user is refused', async () => {
      const json = join(files, 'people.json');
      await writeFile(
        json,
        JSON.stringify([
          {
            username: 'ivan',
            sipUri: 'sip:ivan@contoso.com',
            displayName: 'Ivan Ito',
            password: 'ivan-import-pass',
          },
          {
            username: 'judy',
            sipUri: 'sip:alice@contoso.com',
            displayName: 'Judy',
            password: 'judy-import-pass',
          },
          { username: 'kim', sipUri: 'not a sip uri', displayName: 'Kim', password: 'kim-import-pass' },
        ]),
      );
      const outcome = await admin(['users', 'import', json]);
      assert.equal(outcome.code, 1);
      assert.match(
        outcome.stderr,
        /refused\s+judy: sip:alice@contoso\.com already belongs to CONTOSO\\alice/,
      );
      assert.match(outcome.stderr, /refused\s+kim: .*not a SIP URI/);
      assert.match(outcome.stderr, /Nothing was written/);
      assert.equal(await signInStatus('ivan', 'ivan-import-pass'), 401);
    });

    it('says what is wrong with a malformed import file (exit 2), naming the line', async () => {
      const csv = join(files, 'bad.csv');
      await writeFile(csv, 'username,enabled\nlena,maybe\n');
      const outcome = await admin(['users', 'import', csv, '--dry-run']);
      assert.equal(outcome.code, 2);
      assert.match(outcome.stderr, /line 2: "enabled" must be true or false/);
    });
  });
}

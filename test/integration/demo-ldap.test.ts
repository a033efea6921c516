import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, runTool, toolsAvailable } from '../support/daemon.ts';
import { installSlapdTools, ldapClientTools, slapdTools } from '../support/slapd.ts';
import { demo, postJson } from './support/client.ts';
import { startProductProcess, type ProductProcess } from './support/product-process.ts';

// `npm run demo:ldap` end to end, as an administrator trying it: the script starts its own slapd
// and the product, and its printed steps are the ones to follow.
const available = toolsAvailable({ ...slapdTools, ...ldapClientTools }, installSlapdTools);
if (available !== true) console.log(`# skipped: ${available}`);

const repo = fileURLToPath(new URL('../../', import.meta.url));
let dataDir: string;
let demoProcess: ProductProcess;
let internal: string;
let external: string;

const signIn = (site: string, user: { username: string; password: string }) =>
  postJson(site, '/auth/forms', { domain: demo.domain, username: user.username, password: user.password });

async function errorOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: string }).error;
}

if (available === true) {
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cwa-demo-ldap-'));
    const [port, externalPort, store, connections] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    internal = `http://127.0.0.1:${port}`;
    external = `http://127.0.0.1:${externalPort}`;
    demoProcess = await startProductProcess(process.execPath, ['--import', 'tsx', 'local/demo-ldap.ts'], {
      cwd: repo,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        EXTERNAL_PORT: String(externalPort),
        STORE_PORT: String(store),
        CONNECTIONS_PORT: String(connections),
        // Every request reads the directory, so a change there shows at once.
        LDAP_POLICY_CACHE_SECONDS: '0',
      },
    });
  });
  after(async () => {
    await demoProcess?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('npm run demo:ldap', () => {
    it('says what it set up: slapd, the schema file, the people and the settings the product gets', () => {
      const output = demoProcess.output();
      assert.match(output, /slapd: +ldaps:\/\/127\.0\.0\.1:\d+ \(LDAPS\)/);
      assert.match(output, /schema: +local\/ldap\/communicator\.ldif, loaded into its cn=config/);
      assert.match(output, /alice +alice-demo-pass +sip:alice@contoso\.com +signs in on both sites/);
      assert.match(output, /^ {2}DIRECTORY_PROVIDER=ldap$/m);
      assert.match(output, /^ {2}LDAP_URL=ldaps:\/\/127\.0\.0\.1:\d+$/m);
      assert.match(output, /^ {2}LDAP_DOMAIN=CONTOSO$/m);
    });

    it('signs the demo users in from the directory, with the policy its msRTCSIP-* attributes say', async () => {
      assert.equal((await signIn(internal, demo.alice)).status, 200);
      assert.equal((await signIn(external, demo.alice)).status, 200);
      const wrong = await signIn(internal, { username: 'alice', password: 'not-her-password' });
      assert.equal(wrong.status, 401);
      assert.equal(await errorOf(wrong), 'invalid_credentials');
      const carol = await signIn(external, demo.carol);
      assert.equal(carol.status, 403);
      assert.equal(await errorOf(carol), 'remote_access_denied');
      const dave = await signIn(internal, demo.dave);
      assert.equal(dave.status, 403);
      assert.equal(await errorOf(dave), 'enhanced_presence_required');
      const erin = await signIn(internal, demo.erin);
      assert.equal(erin.status, 403);
      assert.equal(await errorOf(erin), 'user_disabled');
    });

    it('prints an ldapmodify step that takes a user off the service, and it does', async () => {
      assert.equal((await signIn(internal, demo.bob)).status, 200);
      const step = /Take bob off the service[^\n]*\n {4}(printf [^\n]*\|)\n {6}(ldapmodify [^\n]*)\n/.exec(
        demoProcess.output(),
      );
      assert.ok(step, demoProcess.output());
      await runTool('/bin/sh', ['-c', `${step[1]} ${step[2]}`]);
      const bob = await signIn(internal, demo.bob);
      assert.equal(bob.status, 403);
      assert.equal(await errorOf(bob), 'user_disabled');
    });

    it('stops the product and slapd on SIGTERM and removes the directory', async () => {
      await demoProcess.stop();
      assert.equal(demoProcess.child.exitCode, 0, demoProcess.output());
      assert.equal(existsSync(join(dataDir, 'slapd')), false);
      await assert.rejects(fetch(`${internal}/healthz`));
    });
  });
}

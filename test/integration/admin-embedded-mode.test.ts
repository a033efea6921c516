import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runAdmin } from './support/admin.ts';
import { demo, postJson, signIn } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

// The admin command reaches the product's data through the AWS emulation's DynamoDB endpoint. A
// product in the embedded mode (plain `npm start`) keeps its data to itself: the command refuses,
// saying how to start the product it can administer, rather than fail on an endpoint that is not there.
let rt: TestRuntime;

before(async () => {
  rt = await startTestRuntime({ mode: 'embedded' });
});
after(() => rt?.close());

const admin = (args: readonly string[], input = '') => runAdmin(args, { dataDir: rt.dataDir, input });

const signInStatus = async (username: string, password: string) =>
  (await postJson(rt.internal, '/auth/forms', { domain: demo.domain, username, password })).status;

describe('npm run admin against a product in the embedded mode', () => {
  it('refuses the sessions and users commands, naming --aws-emulation, and changes nothing', async () => {
    const cookie = await signIn(rt.internal, demo.alice);

    const outcomes = [
      await admin(['sessions', 'list', demo.alice.sipUri]),
      await admin(['sessions', 'revoke', demo.alice.sipUri]),
      await admin(['users', 'list']),
      await admin(['users', 'disable', demo.bob.username]),
      await admin(
        ['users', 'add', 'frank', '--sip-uri', 'sip:frank@contoso.com', '--name', 'Frank Fox'],
        'frank-new-pass\n',
      ),
    ];

    for (const outcome of outcomes) {
      assert.equal(outcome.code, 1, outcome.stderr);
      assert.match(outcome.stderr, /needs the product started with --aws-emulation for now/);
      assert.equal(outcome.stdout, '');
    }
    const session = await fetch(`${rt.internal}/api/session`, { headers: { cookie } });
    assert.equal(session.status, 200, 'alice’s session was not revoked');
    assert.equal(await signInStatus(demo.bob.username, demo.bob.password), 200, 'bob was not disabled');
    assert.equal(await signInStatus('frank', 'frank-new-pass'), 401, 'frank was not added');
  });
});

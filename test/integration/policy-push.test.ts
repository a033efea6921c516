import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { demo, FrameClient, signIn } from './support/client.ts';
import { runAdmin } from './support/admin.ts';
import { runtimeModes, startTestRuntime, type TestRuntime } from './support/runtime.ts';

// An administrator's change reaches connections that send nothing: the admin command itself ends the
// sessions the change refuses. The scheduled policy re-check is set far off, so it is not what does it.
// Both modes: the embedded mode ends them in the product (its admin endpoint), the AWS emulation
// from the command, through the @connections API.
for (const mode of runtimeModes) {
  describe(`an administrator withdrawing a right closes the connections it refuses at once, in the ${mode} mode`, () => {
    let rt: TestRuntime;

    before(async () => {
      rt = await startTestRuntime({ mode, handlerSettings: { POLICY_RECHECK_SECONDS: '3600' } });
    });
    after(() => rt?.close());

    /** Bounded waits: the push takes well under a second; these only stop a broken test hanging. */
    const endedWithinMs = 10_000;

    async function admin(...args: string[]): Promise<void> {
      const outcome = await runAdmin(args, { dataDir: rt.dataDir, via: 'sources' });
      assert.equal(outcome.code, 0, `admin ${args.join(' ')}: ${outcome.stderr}`);
    }

    /** A connection of `user` on `base` that only listens. */
    async function silentConnection(base: string, user: { username: string; password: string }) {
      return FrameClient.connect(base, await signIn(base, user));
    }

    it('users disable: a silent WebSocket gets session.ended (policy) and is closed', async () => {
      const client = await silentConnection(rt.internal, demo.bob);
      try {
        await admin('users', 'disable', 'bob');
        const ended = await client.next((f) => f.type === 'session.ended', endedWithinMs);
        assert.equal(ended.reason, 'policy');
        const closed = await Promise.race([client.closed, delay(endedWithinMs, undefined, { ref: false })]);
        assert.ok(closed, 'the connection was not closed');
      } finally {
        await client.close();
      }
    });

    it('users set --no-remote-access: ends the external session only; the internal one goes on', async () => {
      const outside = await silentConnection(rt.external, demo.alice);
      const inside = await silentConnection(rt.internal, demo.alice);
      try {
        await admin('users', 'set', 'alice', '--no-remote-access');
        const ended = await outside.next((f) => f.type === 'session.ended', endedWithinMs);
        assert.equal(ended.reason, 'policy');
        assert.equal((await inside.request({ action: 'ping' }, 'pong')).type, 'pong');
        assert.equal(inside.frames.filter((f) => f.type === 'session.ended').length, 0);
      } finally {
        await outside.close();
        await inside.close();
      }
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendQueueLimitBytes, slowConsumerClose } from '../../local/gateway/websocket-api.ts';
import { demo, FrameClient, signIn } from './support/client.ts';
import { runtimeModes, startTestRuntime, type TestRuntime } from './support/runtime.ts';

/**
 * What the server does when it cannot keep up: a client that does not read is closed instead of
 * having its frames pile up in the server's memory, and frames that arrive while the server is
 * behind are answered `busy` (nothing of them runs) instead of waiting behind a growing queue.
 */
for (const mode of runtimeModes) {
  describe(`back pressure, in the ${mode} mode`, () => {
    let rt: TestRuntime;
    before(async () => {
      rt = await startTestRuntime({
        mode,
        handlerSettings: { WS_FRAME_RATE_LIMIT: '1000000', WS_FRAME_RATE_WINDOW_SECONDS: '10' },
      });
    });
    after(() => rt.close());

    it('closes with 1013 a connection whose client stopped reading, and says so to no one else', async () => {
      const alice = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.alice));
      const bob = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.bob));
      // Bob's client stops reading: frames for him wait in the kernel's buffers, then in the server's.
      const bobSocket = (bob.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      bobSocket.pause();
      const text = 'x'.repeat(3_900);
      const deadline = Date.now() + 20_000;
      let sent = 0;
      // Bounded: at most 4,000 IMs (15 MB) or 20 s; each waits for its answer, so nothing piles up
      // on the sender's side.
      let refused = false;
      while (!refused && sent < 4_000 && Date.now() < deadline) {
        const clientMessageId = `m-${sent}`;
        const answered = alice.next((f) => f.clientMessageId === clientMessageId);
        alice.send({ action: 'im.send', to: demo.bob.sipUri, text, clientMessageId });
        // Bob's connection closed, so the server no longer has anywhere to deliver to.
        refused = (await answered).type === 'im.failed';
        sent++;
      }
      // Reading again, Bob's client sees what it was sent, then the close.
      bobSocket.resume();
      const closed = await bob.closed;
      assert.equal(closed.code, slowConsumerClose.code);
      assert.equal(closed.reason, slowConsumerClose.reason);
      assert.ok(refused, `the server still delivered after ${sent} IMs`);
      assert.ok(sent * text.length > sendQueueLimitBytes, `sent ${sent} IMs`);
      // The sender's connection is unaffected, and Bob is now offline to it.
      const failed = await alice.request(
        { action: 'im.send', to: demo.bob.sipUri, text: 'still there?', clientMessageId: 'last' },
        'im.failed',
      );
      assert.equal(failed.reason, 'offline');
      await alice.close();
    });

    it('answers busy, with the clientMessageId, to frames that arrive while the server is behind', async () => {
      const carol = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.carol));
      const frames = Array.from({ length: 20 }, (_, i) => ({
        action: 'im.send',
        to: demo.dave.sipUri,
        text: 'hello',
        clientMessageId: `b-${i}`,
      }));
      // The runtime runs in this process: holding its event loop for 300 ms puts it that far behind,
      // as a burst of load would; the frames sent meanwhile are read once it is free.
      for (const frame of frames) carol.send(frame);
      const until = Date.now() + 300;
      while (Date.now() < until) {
        // busy: the event loop is held
      }
      const answers = await Promise.all(
        frames.map((f) =>
          carol.next((a) => a.clientMessageId === f.clientMessageId && a.type !== 'im.delivered', 5_000),
        ),
      );
      const busy = answers.filter((a) => a.type === 'error' && a.error === 'busy');
      assert.ok(busy.length > 0, `no busy answer among ${JSON.stringify(answers)}`);
      for (const answer of answers) assert.ok(['error', 'im.failed'].includes(answer.type));
      // Once the loop is calm again, frames run.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const pong = await carol.request({ action: 'ping' }, 'pong');
      assert.equal(pong.type, 'pong');
      await carol.close();
    });
  });
}

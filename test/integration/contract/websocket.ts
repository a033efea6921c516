import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { localEndpointConfig } from '../../../functions/core/storage/dynamo.ts';
import type { RuntimeMode } from '../../../local/runtime.ts';
import { demo, FrameClient, signIn, UpgradeRefused, type Frame } from '../support/client.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

/**
 * The WebSocket contract (docs/contract.md), the same tests for each way the product runs: the
 * embedded mode of `npm start` and the AWS emulation (the handlers and stores that deploy).
 */
export function webSocketContract(mode: RuntimeMode): void {
  let rt: TestRuntime;
  let cookies: Record<'alice' | 'bob' | 'carol', string>;
  const open: FrameClient[] = [];

  before(async () => {
    rt = await startTestRuntime({ mode });
    cookies = {
      alice: await signIn(rt.internal, demo.alice),
      bob: await signIn(rt.internal, demo.bob),
      carol: await signIn(rt.internal, demo.carol),
    };
  });
  after(async () => {
    await Promise.all(open.map((c) => c.close()));
    await rt.close();
  });

  async function connect(who: keyof typeof cookies): Promise<FrameClient> {
    const client = await FrameClient.connect(rt.internal, cookies[who]);
    open.push(client);
    return client;
  }

  async function disconnect(client: FrameClient): Promise<void> {
    await client.close();
    open.splice(open.indexOf(client), 1);
  }

  const presenceOf = (sipUri: string, availability: string) => (f: Frame) =>
    f.type === 'presence' && f.sipUri === sipUri && f.availability === availability;

  async function expectRefused(cookie: string | undefined, status: number) {
    await assert.rejects(FrameClient.connect(rt.internal, cookie), (err: unknown) => {
      assert.ok(err instanceof UpgradeRefused);
      assert.equal(err.status, status);
      return true;
    });
  }

  describe('connecting', () => {
    it('refuses the upgrade with 401 without a valid ticket', async () => {
      await expectRefused(undefined, 401);
      await expectRefused('__Host-cwa-ticket-internal=garbage', 401);
      await expectRefused('unrelated=1', 401);
    });

    it('refuses the upgrade with 403 when the directory no longer allows the user', async () => {
      const { directory } = rt.deps.stores;
      const account = await directory.findByAccount(demo.domain, demo.carol.username);
      assert.ok(account);
      await directory.put({ ...account, enabled: false });
      try {
        await expectRefused(cookies.carol, 403);
      } finally {
        await directory.put(account);
      }
    });

    it('answers ping with pong', async () => {
      const alice = await connect('alice');
      assert.deepEqual(await alice.request({ action: 'ping' }, 'pong'), { type: 'pong' });
      await disconnect(alice);
    });
  });

  describe('presence', () => {
    it('shows a contact coming online, changing availability and note, and going offline', async () => {
      const alice = await connect('alice');
      const list = await alice.request({ action: 'contacts.list' }, 'contacts');
      const bobEntry = (list.contacts as Frame[]).find((c) => c.sipUri === demo.bob.sipUri);
      assert.deepEqual(bobEntry, {
        sipUri: demo.bob.sipUri,
        displayName: 'Bob Barros',
        availability: 'offline',
        note: '',
      });

      const bob = await connect('bob');
      await alice.next(presenceOf(demo.bob.sipUri, 'available'));

      bob.send({ action: 'presence.set', availability: 'busy', note: 'In a meeting' });
      const busy = await alice.next(presenceOf(demo.bob.sipUri, 'busy'));
      assert.equal(busy.note, 'In a meeting');
      const own = await bob.next((f) => f.type === 'presence' && f.self === true);
      assert.equal(own.availability, 'busy');

      const again = await alice.request({ action: 'contacts.list' }, 'contacts');
      const bobNow = (again.contacts as Frame[]).find((c) => c.sipUri === demo.bob.sipUri);
      assert.equal(bobNow?.availability, 'busy');

      bob.send({ action: 'presence.set', availability: 'available', note: '' });
      await alice.next(presenceOf(demo.bob.sipUri, 'available'));
      await disconnect(bob);
      const offline = await alice.next(presenceOf(demo.bob.sipUri, 'offline'));
      assert.equal(offline.note, '');
      await disconnect(alice);
    });

    it('shows appear-offline as offline to watchers but as chosen to the user', async () => {
      const alice = await connect('alice');
      const bob = await connect('bob');
      await alice.next(presenceOf(demo.bob.sipUri, 'available'));
      bob.send({ action: 'presence.set', availability: 'appear-offline', note: 'hidden' });
      const seen = await alice.next(presenceOf(demo.bob.sipUri, 'offline'));
      assert.equal(seen.note, '');
      const own = await bob.next((f) => f.type === 'presence' && f.self === true);
      assert.equal(own.availability, 'appear-offline');
      bob.send({ action: 'presence.set', availability: 'available', note: '' });
      await alice.next(presenceOf(demo.bob.sipUri, 'available'));
      await disconnect(bob);
      await alice.next(presenceOf(demo.bob.sipUri, 'offline'));
      await disconnect(alice);
    });

    it('tells watchers nothing when someone appearing offline changes their note, or chooses the same again', async () => {
      const alice = await connect('alice');
      const bob = await connect('bob');
      await alice.next(presenceOf(demo.bob.sipUri, 'available'));
      bob.send({ action: 'presence.set', availability: 'appear-offline', note: '' });
      await alice.next(presenceOf(demo.bob.sipUri, 'offline'));
      await bob.next((f) => f.type === 'presence' && f.self === true);

      for (const note of ['working late', 'working late']) {
        bob.send({ action: 'presence.set', availability: 'appear-offline', note });
        const own = await bob.next((f) => f.type === 'presence' && f.self === true);
        assert.equal(own.note, note);
      }
      // Whatever alice was sent about it was sent before bob's own frame; a round trip later, none came.
      await alice.request({ action: 'ping' }, 'pong');
      await assert.rejects(
        alice.next((f) => f.type === 'presence' && f.sipUri === demo.bob.sipUri, 300),
        /no matching frame/,
      );

      bob.send({ action: 'presence.set', availability: 'available', note: '' });
      await alice.next(presenceOf(demo.bob.sipUri, 'available'));
      await disconnect(bob);
      await alice.next(presenceOf(demo.bob.sipUri, 'offline'));
      await disconnect(alice);
    });

    it('keeps a user online until their last connection closes', async () => {
      const alice = await connect('alice');
      const bob1 = await connect('bob');
      const bob2 = await connect('bob');
      await alice.next(presenceOf(demo.bob.sipUri, 'available'));
      await disconnect(bob1);
      assert.equal((await bob2.request({ action: 'ping' }, 'pong')).type, 'pong');
      const list = await alice.request({ action: 'contacts.list' }, 'contacts');
      assert.equal(
        (list.contacts as Frame[]).find((c) => c.sipUri === demo.bob.sipUri)?.availability,
        'available',
      );
      await disconnect(bob2);
      await alice.next(presenceOf(demo.bob.sipUri, 'offline'));
      await disconnect(alice);
    });
  });

  describe('contacts', () => {
    it('adds a directory user by SIP URI and removes them again', async () => {
      const alice = await connect('alice');
      const added = await alice.request(
        { action: 'contacts.add', sipUri: 'SIP:Dave@Contoso.com' },
        'contacts',
      );
      const dave = (added.contacts as Frame[]).find((c) => c.sipUri === demo.dave.sipUri);
      assert.deepEqual(dave, {
        sipUri: demo.dave.sipUri,
        displayName: 'Dave Diaz',
        availability: 'offline',
        note: '',
      });
      const removed = await alice.request(
        { action: 'contacts.remove', sipUri: demo.dave.sipUri },
        'contacts',
      );
      assert.equal(
        (removed.contacts as Frame[]).some((c) => c.sipUri === demo.dave.sipUri),
        false,
      );
      await disconnect(alice);
    });

    it('refuses to add someone who is not in the directory, or oneself', async () => {
      const alice = await connect('alice');
      const unknown = await alice.request(
        { action: 'contacts.add', sipUri: 'sip:nobody@contoso.com' },
        'error',
      );
      assert.equal(unknown.error, 'not_found');
      const self = await alice.request({ action: 'contacts.add', sipUri: demo.alice.sipUri }, 'error');
      assert.equal(self.error, 'bad_request');
      await disconnect(alice);
    });
  });

  describe('instant messages', () => {
    it('delivers to every connection of the recipient and confirms to the sender', async () => {
      const alice = await connect('alice');
      const bob1 = await connect('bob');
      const bob2 = await connect('bob');
      const delivered = await alice.request(
        { action: 'im.send', to: demo.bob.sipUri, text: 'Hello Bob', clientMessageId: 'm-1' },
        'im.delivered',
      );
      assert.equal(delivered.clientMessageId, 'm-1');
      for (const bob of [bob1, bob2]) {
        const message = await bob.next((f) => f.type === 'im.message');
        assert.equal(message.id, delivered.id);
        assert.equal(message.from, demo.alice.sipUri);
        assert.equal(message.to, demo.bob.sipUri);
        assert.equal(message.text, 'Hello Bob');
        assert.ok(Date.parse(String(message.sentAt)) > 0);
        assert.equal(typeof message.conversationId, 'string');
      }
      const reply = await bob1.request(
        { action: 'im.send', to: demo.alice.sipUri, text: 'Hi Alice', clientMessageId: 'm-2' },
        'im.delivered',
      );
      const received = await alice.next((f) => f.type === 'im.message' && f.id === reply.id);
      assert.equal(received.text, 'Hi Alice');
      await Promise.all([disconnect(alice), disconnect(bob1), disconnect(bob2)]);
    });

    it('reports offline and unknown recipients', async () => {
      const alice = await connect('alice');
      const offline = await alice.request(
        { action: 'im.send', to: demo.carol.sipUri, text: 'Are you there?', clientMessageId: 'm-3' },
        'im.failed',
      );
      assert.deepEqual(offline, { type: 'im.failed', clientMessageId: 'm-3', reason: 'offline' });
      const unknown = await alice.request(
        { action: 'im.send', to: 'sip:nobody@contoso.com', text: 'Hello?', clientMessageId: 'm-4' },
        'im.failed',
      );
      assert.deepEqual(unknown, { type: 'im.failed', clientMessageId: 'm-4', reason: 'not_found' });
      await disconnect(alice);
    });

    it('removes a stale connection it finds while delivering', async () => {
      const { connections } = rt.deps.stores;
      await connections.put({
        sipUri: demo.carol.sipUri,
        connectionId: 'stale-connection=',
        ticketId: 'none',
        site: 'internal',
        endpoint: 'https://example.invalid/ws',
        connectedAt: Date.now() - 60_000,
        ttl: Math.floor(Date.now() / 1000) + 600,
      });
      const alice = await connect('alice');
      const failed = await alice.request(
        { action: 'im.send', to: demo.carol.sipUri, text: 'ping', clientMessageId: 'm-5' },
        'im.failed',
      );
      assert.equal(failed.reason, 'offline');
      assert.deepEqual(await connections.listByUser(demo.carol.sipUri), []);
      await disconnect(alice);
    });
  });

  // The emulated `@connections` API exists only in the AWS emulation (embedded frames go to sockets).
  if (mode === 'aws-emulation') {
    describe('the local @connections management API', () => {
      it('posts to, describes and deletes a live connection, and answers Gone after', async () => {
        const alice = await connect('alice');
        const [row] = await rt.deps.stores.connections.listByUser(demo.alice.sipUri);
        const connectionId = String(row?.connectionId);
        const api = new ApiGatewayManagementApiClient(localEndpointConfig(String(rt.connectionsUrl)));

        const pushed = alice.next((f) => f.type === 'test.push');
        await api.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"type":"test.push"}' }),
        );
        await pushed;
        const described = await api.send(new GetConnectionCommand({ ConnectionId: connectionId }));
        assert.ok(described.ConnectedAt instanceof Date);
        assert.equal(described.Identity?.SourceIp, '127.0.0.1');
        await api.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
        await alice.closed;
        open.splice(open.indexOf(alice), 1);
        await assert.rejects(
          api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{}' })),
          GoneException,
        );
        api.destroy();
      });
    });
  }

  describe('bad frames', () => {
    it('answers each bad frame with an error frame and keeps the connection open', async () => {
      const alice = await connect('alice');
      const cases: [unknown, string][] = [
        ['not json at all', 'bad_request'],
        ['[1,2,3]', 'bad_request'],
        [{ nothing: true }, 'bad_request'],
        [{ action: 'teleport' }, 'unknown_action'],
        [{ action: 'presence.set', availability: 'sleepy' }, 'bad_request'],
        [{ action: 'im.send', text: 'to nobody', clientMessageId: 'x' }, 'bad_request'],
        [{ action: 'im.send', to: 'bob', text: 'hi', clientMessageId: 'x' }, 'bad_request'],
        [
          { action: 'im.send', to: demo.bob.sipUri, text: 'x'.repeat(4001), clientMessageId: 'x' },
          'text_too_long',
        ],
        [{ action: 'contacts.add' }, 'bad_request'],
      ];
      for (const [frame, code] of cases) {
        const error = await alice.request(frame, 'error');
        assert.equal(error.error, code, `for ${JSON.stringify(frame).slice(0, 60)}`);
        assert.equal(typeof error.message, 'string');
      }
      assert.equal((await alice.request({ action: 'ping' }, 'pong')).type, 'pong');
      await disconnect(alice);
    });

    it('closes the connection with 1009 for a frame over 32 KB, as API Gateway does', async () => {
      const alice = await connect('alice');
      alice.send({ action: 'ping', padding: 'x'.repeat(33 * 1024) });
      const closed = await alice.closed;
      assert.equal(closed.code, 1009);
      open.splice(open.indexOf(alice), 1);
    });
  });

  describe('sign-out', () => {
    it('ends the ticket’s live connections with session.ended and leaves other tickets’ connections', async () => {
      const cookie = await signIn(rt.internal, demo.bob);
      const doomed = await FrameClient.connect(rt.internal, cookie);
      const other = await connect('bob');
      const started = Date.now();
      const response = await fetch(`${rt.internal}/auth/signout`, {
        method: 'POST',
        headers: { cookie, accept: 'application/json' },
      });
      assert.equal(response.status, 204);
      const ended = await doomed.next((f) => f.type === 'session.ended');
      assert.equal(ended.reason, 'signed_out');
      await doomed.closed;
      assert.ok(Date.now() - started < 1000, 'closed within a second');
      assert.equal((await other.request({ action: 'ping' }, 'pong')).type, 'pong');
      await assert.rejects(FrameClient.connect(rt.internal, cookie), UpgradeRefused);
      await disconnect(other);
    });
  });
}

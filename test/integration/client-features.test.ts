import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demo, FrameClient, signIn, type Frame } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

let rt: TestRuntime;
let alice: FrameClient;
let bob: FrameClient;

before(async () => {
  rt = await startTestRuntime();
  alice = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.alice));
  bob = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.bob));
});
after(async () => {
  await alice?.close();
  await bob?.close();
  await rt?.close();
});

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('typing indicator (im.typing)', () => {
  it('tells the recipient who is typing, and when they stopped, without answering the sender', async () => {
    alice.send({ action: 'im.typing', to: demo.bob.sipUri });
    const typing = await bob.next((f) => f.type === 'im.typing');
    assert.equal(typing.from, demo.alice.sipUri);
    assert.equal(typing.typing, true);
    assert.equal(typeof typing.conversationId, 'string');

    alice.send({ action: 'im.typing', to: demo.bob.sipUri, typing: false });
    assert.equal((await bob.next((f) => f.type === 'im.typing')).typing, false);

    await wait(200);
    assert.equal(
      alice.frames.some((f) => f.type === 'im.typing' || f.type === 'error'),
      false,
    );
  });

  it('uses the same conversation id as the messages of the pair', async () => {
    alice.send({ action: 'im.typing', to: demo.bob.sipUri });
    const typing = await bob.next((f) => f.type === 'im.typing');
    alice.send({ action: 'im.send', to: demo.bob.sipUri, text: 'hello', clientMessageId: 'c1' });
    const message = await bob.next((f) => f.type === 'im.message');
    assert.equal(typing.conversationId, message.conversationId);
    await alice.next((f) => f.type === 'im.delivered');
  });

  it('answers a bad typing frame with an error and sends nothing to an unknown person', async () => {
    assert.equal((await alice.request({ action: 'im.typing' }, 'error')).error, 'bad_request');
    const bad = await alice.request({ action: 'im.typing', to: demo.bob.sipUri, typing: 'yes' }, 'error');
    assert.equal(bad.error, 'bad_request');
    alice.send({ action: 'im.typing', to: 'sip:nobody@contoso.com' });
    assert.deepEqual(await alice.request({ action: 'ping' }, 'pong'), { type: 'pong' });
  });
});

describe('contact groups (contacts.add with group)', () => {
  const entry = (frame: Frame, sipUri: string) =>
    (frame.contacts as Frame[]).find((c) => c.sipUri === sipUri);

  it('keeps the group the user chose, moves a contact when it is added again, and omits it when none', async () => {
    const grouped = await alice.request(
      { action: 'contacts.add', sipUri: demo.bob.sipUri, group: '  Project Falcon ' },
      'contacts',
    );
    assert.equal(entry(grouped, demo.bob.sipUri)?.group, 'Project Falcon');
    assert.equal('group' in (entry(grouped, demo.carol.sipUri) ?? {}), false);

    const listed = await alice.request({ action: 'contacts.list' }, 'contacts');
    assert.equal(entry(listed, demo.bob.sipUri)?.group, 'Project Falcon');

    const moved = await alice.request(
      { action: 'contacts.add', sipUri: demo.bob.sipUri, group: '' },
      'contacts',
    );
    assert.deepEqual(Object.keys(entry(moved, demo.bob.sipUri) ?? {}).sort(), [
      'availability',
      'displayName',
      'note',
      'sipUri',
    ]);
  });

  it('refuses a group name over 64 characters', async () => {
    const error = await alice.request(
      { action: 'contacts.add', sipUri: demo.bob.sipUri, group: 'g'.repeat(65) },
      'error',
    );
    assert.equal(error.error, 'text_too_long');
  });
});

describe('automatic availability', () => {
  it('shows inactive, the state the client reports after a few idle minutes, to watchers', async () => {
    bob.send({ action: 'presence.set', availability: 'inactive', note: '' });
    await alice.next(
      (f) => f.type === 'presence' && f.sipUri === demo.bob.sipUri && f.availability === 'inactive',
    );
    bob.send({ action: 'presence.set', availability: 'available', note: '' });
    await alice.next(
      (f) => f.type === 'presence' && f.sipUri === demo.bob.sipUri && f.availability === 'available',
    );
  });
});

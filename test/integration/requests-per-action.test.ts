import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { takeRequestCounts } from '../../functions/core/metering/request-counts.ts';
import { demo, FrameClient, signIn } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

/**
 * The DynamoDB requests an action makes, counted by the SDK middleware in this process (where the
 * embedded runtime's handlers run): the access patterns of docs/data-model.md, held to their count.
 */

const hour = 60 * 60 * 1000;
let rt: TestRuntime;

before(async () => {
  // DynamoDB's requests are what is counted: the AWS emulation, whatever the tests' default mode.
  // Background sweeps would land in the counts.
  rt = await startTestRuntime({ mode: 'aws-emulation', sweepIntervalMs: hour, scheduleIntervalMs: hour });
});
after(async () => {
  await rt?.close();
});

/**
 * DynamoDB requests by command and table, the local `cwa-` prefix dropped (`@connections` calls
 * too, under `@connections <method>`, when asked for).
 */
function dynamoRequests(options: { readonly connections?: boolean } = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, count] of Object.entries(takeRequestCounts())) {
    if (options.connections && label.startsWith('@connections ')) out[label] = count;
    if (!label.startsWith('dynamodb ')) continue;
    const name = label.slice('dynamodb '.length).replace(/\bcwa-/g, '');
    out[name] = (out[name] ?? 0) + count;
  }
  return out;
}

/** Lets the handler finish the writes after the frame a test waited for. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('DynamoDB requests per action', () => {
  it('coming online and going offline read the watchers’ presence rows in one BatchGetItem, and never the user’s own connections', async () => {
    // alice is on bob's and carol's contact lists; bob is connected, carol is not.
    const bob = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.bob));
    const aliceCookie = await signIn(rt.internal, demo.alice);
    const online = bob.next((f) => f.type === 'presence' && f.sipUri === demo.alice.sipUri);
    await settle();
    takeRequestCounts();

    const alice = await FrameClient.connect(rt.internal, aliceCookie);
    await online;
    await settle();
    const connect = dynamoRequests();
    const offline = bob.next((f) => f.type === 'presence' && f.sipUri === demo.alice.sipUri);
    await alice.close();
    await offline;
    await settle();
    const disconnect = dynamoRequests();

    assert.deepEqual(connect, {
      // The authorizer reads the ticket and its user in one request.
      'BatchGetItem tickets+users': 1,
      'PutItem connections': 1,
      'UpdateItem tickets': 1,
      'UpdateItem presence': 1,
      'Query contacts/watchers-index': 1,
      'BatchGetItem presence': 1,
    });
    // The presence row's answer says which connections are left: no Query.
    assert.deepEqual(disconnect, {
      'DeleteItem connections': 1,
      'UpdateItem tickets': 1,
      'UpdateItem presence': 1,
      'Query contacts/watchers-index': 1,
      'BatchGetItem presence': 1,
    });
    await bob.close();
  });

  it('an IM reads the sender, the recipient and the recipient’s connections in one round of requests', async () => {
    const bob = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.bob));
    const alice = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.alice));
    await alice.request({ action: 'ping' }, 'pong');
    await settle();
    takeRequestCounts();

    const received = bob.next((f) => f.type === 'im.message');
    const answer = await alice.request(
      { action: 'im.send', to: 'SIP:Bob@Contoso.com', text: 'counted', clientMessageId: 'c1' },
      'im.delivered',
    );
    await received;
    await settle();
    const {
      'UpdateItem tickets': ticketWrites,
      '@connections POST': posts,
      ...reads
    } = dynamoRequests({ connections: true });

    assert.equal(answer.type, 'im.delivered');
    // One write checks the frame; a second only when the idle expiry just moved into another minute.
    assert.ok(ticketWrites === 1 || ticketWrites === 2, `ticket writes: ${ticketWrites}`);
    assert.deepEqual(reads, { 'BatchGetItem users': 1, 'Query connections': 1 });
    // One POST to the recipient's connection; `im.delivered` goes back as the route's response.
    assert.equal(posts, 1);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('a presence change reads all its watchers’ connections with one BatchGetItem per 100 watchers, not a Query each', async () => {
    // alice is on bob's (connected) and carol's lists; then on 148 more, of people not connected.
    const bob = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.bob));
    const alice = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.alice));
    const changeTo = async (availability: string) => {
      await settle();
      takeRequestCounts();
      const seen = bob.next(
        (f) => f.type === 'presence' && f.sipUri === demo.alice.sipUri && f.availability === availability,
      );
      alice.send({ action: 'presence.set', availability, note: '' });
      await seen;
      await settle();
      const { 'UpdateItem tickets': ticketWrites, ...requests } = dynamoRequests();
      // One write checks the frame; a second only when the idle expiry just moved into another minute.
      assert.ok(ticketWrites === 1 || ticketWrites === 2, `ticket writes: ${ticketWrites}`);
      return requests;
    };
    const contacts = rt.deps.stores.contacts;
    const more = Array.from({ length: 148 }, (_, i) => `sip:watcher-${i}@contoso.com`);

    const withTwo = await changeTo('busy');
    for (const owner of more) {
      await contacts.add(owner, { sipUri: demo.alice.sipUri, displayName: 'Alice' }, Date.now());
    }
    const withMany = await changeTo('away');

    const each = { 'GetItem users': 1, 'UpdateItem presence': 1, 'Query contacts/watchers-index': 1 };
    assert.deepEqual(withTwo, { ...each, 'BatchGetItem presence': 1 });
    assert.deepEqual(withMany, { ...each, 'BatchGetItem presence': 2 });
    for (const owner of more) await contacts.remove(owner, demo.alice.sipUri);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('a forms sign-in reserves both regulation keys before the password check and gives them back after it', async () => {
    await settle();
    takeRequestCounts();

    await signIn(rt.internal, demo.carol);
    const requests = dynamoRequests();

    // One atomic UpdateItem per key (account, address) counts the attempt before the password is
    // checked, one per key gives it back once the password proved right: a sign-in's minimum.
    const regulation = Object.entries(requests).filter(([label]) => label.endsWith(' signInFailures'));
    assert.deepEqual(regulation, [['UpdateItem signInFailures', 4]]);
    assert.deepEqual(requests, {
      'UpdateItem signInFailures': 4,
      'Query users/account-index': 1,
      'PutItem tickets': 1,
    });
  });

  it('a wrong password keeps its two reservations as the failure: no further regulation request', async () => {
    await settle();
    takeRequestCounts();

    const response = await fetch(`${rt.internal}/auth/forms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: demo.domain, username: demo.carol.username, password: 'wrong' }),
    });
    assert.equal(response.status, 401);
    const requests = dynamoRequests();

    const regulation = Object.entries(requests).filter(([label]) => label.endsWith(' signInFailures'));
    assert.deepEqual(regulation, [['UpdateItem signInFailures', 2]]);
  });
});

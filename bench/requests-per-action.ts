import { signInOverHttp } from './signin.ts';
import { sleep, type BenchContext } from './support/context.ts';
import { median, percentile } from './support/figures.ts';
import { dynamoRequests, type ActionRequests } from './support/request-labels.ts';
import { BenchSocket, type Frame } from './support/socket.ts';

/** Time for an action's last writes to finish after the frame that shows its effect arrived. */
const settleMs = 100;
const waitMs = 10_000;

/**
 * The fewest DynamoDB requests each action needs with this data model, with W = the user's watchers
 * (here 1). docs/performance.md explains each.
 */
export const minimumRequests = {
  signin: {
    requests: 6,
    formula:
      '2 × UpdateItem regulation reservation (account, address; before the password check) · Query account-index · 2 × UpdateItem giving the reservations back · PutItem ticket',
  },
  'authorizer request': { requests: 1, formula: 'BatchGetItem ticket + user (the JWT names both keys)' },
  $connect: {
    requests: 6,
    formula:
      'authorizer 1 · PutItem connection · UpdateItem presence (adds the connection) · UpdateItem ticket · Query watchers · ⌈W/100⌉ × BatchGetItem watchers’ presence (their connections)',
  },
  'im.send': {
    requests: 3,
    formula:
      'UpdateItem ticket (frame check) · BatchGetItem sender + recipient · Query recipient connections',
  },
  'presence.set': {
    requests: 5,
    formula:
      'UpdateItem ticket · GetItem user · UpdateItem presence (answers own connections) · Query watchers · ⌈W/100⌉ × BatchGetItem watchers’ presence (their connections)',
  },
  'contacts.list': {
    requests: 4,
    formula: 'UpdateItem ticket · GetItem user · Query contacts · BatchGetItem presence',
  },
  $disconnect: {
    requests: 5,
    formula:
      'DeleteItem connection · UpdateItem presence (answers the connections left) · UpdateItem ticket · Query watchers · ⌈W/100⌉ × BatchGetItem watchers’ presence (their connections)',
  },
} as const;

type Action = keyof typeof minimumRequests;

/**
 * DynamoDB requests per action, counted by the SDK middleware in the runtime process (not
 * estimated): each action alone, between two users on each other's contact list, both signed in.
 */
export async function benchRequestsPerAction(ctx: BenchContext): Promise<void> {
  const { host, directory } = ctx;
  const [a, b] = directory.pair;
  const base = host.internalUrl;
  const seen = new Map<Action, ActionRequests[]>();
  const measure = async (action: Action, act: () => Promise<unknown>) => {
    await host.takeCounts();
    await act();
    await sleep(settleMs);
    const counted = dynamoRequests(await host.takeCounts());
    seen.set(action, [...(seen.get(action) ?? []), counted]);
  };
  const watcher = await BenchSocket.open(base, await signInOverHttp(base, directory.domain, b));
  const presenceOfA = (availability?: string) => (f: Frame) =>
    f.type === 'presence' &&
    f.sipUri === a.sipUri &&
    (availability === undefined || f.availability === availability);
  try {
    for (let repeat = 0; repeat < ctx.plan.requests.repeats; repeat++) {
      let cookie = '';
      await measure('signin', async () => (cookie = await signInOverHttp(base, directory.domain, a)));
      await measure('authorizer request', async () => {
        const response = await fetch(`${base}/api/session`, {
          headers: { cookie },
          signal: AbortSignal.timeout(waitMs),
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`GET /api/session answered ${response.status}`);
      });
      let socket: BenchSocket | undefined;
      await measure('$connect', async () => {
        const online = watcher.next(presenceOfA('available'), waitMs);
        socket = await BenchSocket.open(base, cookie);
        await online;
      });
      const user = socket as unknown as BenchSocket;
      await measure('im.send', async () => {
        const received = watcher.next((f) => f.type === 'im.message', waitMs);
        await user.request(
          { action: 'im.send', to: b.sipUri, text: 'counted', clientMessageId: `c${repeat}` },
          'im.delivered',
        );
        await received;
      });
      await measure('presence.set', async () => {
        const seenByWatcher = watcher.next(presenceOfA('busy'), waitMs);
        user.send({ action: 'presence.set', availability: 'busy', note: '' });
        await seenByWatcher;
      });
      await measure('contacts.list', () => user.request({ action: 'contacts.list' }, 'contacts'));
      // Back to available, uncounted, so the next $connect is seen as coming online available.
      const back = watcher.next(presenceOfA('available'), waitMs);
      user.send({ action: 'presence.set', availability: 'available', note: '' });
      await back;
      await measure('$disconnect', async () => {
        const offline = watcher.next(presenceOfA('offline'), waitMs);
        await user.close();
        await offline;
      });
    }
  } finally {
    await watcher.close();
  }
  for (const [action, counted] of seen) {
    const totals = counted.map((c) => c.total);
    const last = counted.at(-1) as ActionRequests;
    const minimum = minimumRequests[action];
    ctx.report({
      name: `requests.${action.replace(/[^a-z.]+/gi, '_').replace(/^_/, '')}`,
      unit: 'DynamoDB requests',
      median: median(totals),
      p99: percentile(totals, 0.99),
      runs: counted.length,
      settings: { watchers: 1, watchersConnected: 1 },
      minimum: minimum.requests,
      gap: median(totals) - minimum.requests,
      minimumIs: minimum.formula,
      dynamodb: last.dynamodb,
      lambdaInvocations: last.lambda,
      connectionsCalls: last.connections,
    });
  }
}

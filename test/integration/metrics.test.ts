import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demo, FrameClient, postJson, signIn } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

let rt: TestRuntime;
const lines: string[] = [];
const write = process.stdout.write.bind(process.stdout);

before(async () => {
  rt = await startTestRuntime();
  // Handlers run in this process, so their EMF lines pass through this stream, as on Lambda.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    lines.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
});
after(async () => {
  process.stdout.write = write;
  await rt.close();
});

interface EmfLine {
  readonly _aws: {
    readonly CloudWatchMetrics: { readonly Namespace: string; readonly Metrics: { Name: string }[] }[];
  };
  readonly [field: string]: unknown;
}

/** The EMF figures printed so far, as name, value and the line's other fields. */
function figures(): { name: string; value: unknown; line: EmfLine }[] {
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfLine)
    .flatMap((line) =>
      line._aws.CloudWatchMetrics.flatMap((directive) =>
        directive.Metrics.map((metric) => ({ name: metric.Name, value: line[metric.Name], line })),
      ),
    );
}

async function waitForFigure(predicate: (f: ReturnType<typeof figures>[number]) => boolean) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = figures().find(predicate);
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(`no such figure in ${JSON.stringify(figures().map((f) => [f.name, f.value]))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('metrics, locally', () => {
  it('prints the same Embedded Metric Format lines as on AWS: sign-ins by method and outcome, authorizer decisions, connections, IMs, fan-out', async () => {
    const wrong = await postJson(rt.internal, '/auth/forms', {
      domain: demo.domain,
      username: 'alice',
      password: 'Wrong-Guess-1',
    });
    assert.equal(wrong.status, 401);
    const alice = await signIn(rt.internal, demo.alice);
    const bob = await signIn(rt.internal, demo.bob);
    const session = await fetch(`${rt.internal}/api/session`, { headers: { cookie: alice } });
    assert.equal(session.status, 200);
    const bobClient = await FrameClient.connect(rt.internal, bob);
    const aliceClient = await FrameClient.connect(rt.internal, alice);
    await aliceClient.request(
      { action: 'im.send', to: demo.bob.sipUri, text: 'hello', clientMessageId: 'm1' },
      'im.delivered',
    );
    await aliceClient.request(
      { action: 'im.send', to: 'sip:nobody@contoso.com', text: 'hi', clientMessageId: 'm2' },
      'im.failed',
    );
    await aliceClient.close();
    await bobClient.close();

    const failed = await waitForFigure(
      (f) => f.name === 'SignIns' && f.line.Outcome === 'invalid_credentials',
    );
    assert.equal(failed.line.Method, 'forms');
    assert.equal(failed.line._aws.CloudWatchMetrics[0]?.Namespace, 'WebCommunicator');
    assert.equal(typeof failed.line.correlationId, 'string', 'a figure carries its request’s correlation id');
    await waitForFigure((f) => f.name === 'SignIns' && f.line.Outcome === 'success' && f.value === 1);
    await waitForFigure((f) => f.name === 'SignInFailures');
    await waitForFigure(
      (f) => f.name === 'AuthorizerDecisions' && f.line.Api === 'http' && f.line.Verdict === 'allow',
    );
    await waitForFigure(
      (f) => f.name === 'AuthorizerDecisions' && f.line.Api === 'websocket' && f.line.Verdict === 'allow',
    );
    await waitForFigure((f) => f.name === 'Connections');
    await waitForFigure((f) => f.name === 'Disconnections');
    await waitForFigure((f) => f.name === 'ImsDelivered');
    await waitForFigure((f) => f.name === 'ImsFailed' && f.line.Reason === 'not_found');
    await waitForFigure((f) => f.name === 'PresenceFanOut' && typeof f.value === 'number');
  });

  it('counts a refused request’s authorizer decision by its reason', async () => {
    const refused = await fetch(`${rt.internal}/api/session`);
    assert.equal(refused.status, 401);

    await waitForFigure(
      (f) =>
        f.name === 'AuthorizerDecisions' && f.line.Verdict === 'deny' && f.line.Reason === 'unauthenticated',
    );
  });
});

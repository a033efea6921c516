import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBench } from '../../bench/bench.ts';
import { tinyPlan } from '../../bench/plan.ts';
import type { Figure } from '../../bench/support/figures.ts';

// The benchmark measures, it does not judge: this only checks that every figure is produced, end to
// end against the embedded runtime, with tiny counts. No timing is asserted.
void test('the benchmark produces every figure, with counted requests and no lost messages', async () => {
  const figures: Figure[] = [];

  await runBench({ plan: tinyPlan, report: (figure) => figures.push(figure) });

  const byName = new Map(figures.map((f) => [f.name, f]));
  assert.deepEqual(
    figures.filter((f) => f.name.endsWith('.failed')),
    [],
    'no figure group failed',
  );
  for (const name of [
    'machine.start',
    'lambda.bundle.http/healthz',
    'lambda.load.http/healthz',
    'authorizer.decision',
    'requests.signin',
    'requests.authorizer_request',
    'requests.connect',
    'requests.im.send',
    'requests.presence.set',
    'requests.disconnect',
    'signin.rate',
    'signin.latency',
    'signin.hash_excluded.rate',
    'signin.unknown_vs_wrong',
    'im.latency',
    'im.throughput',
    'presence.fanout.w3',
    'authorizer.invoke',
    'machine.end',
  ]) {
    const figure = byName.get(name);
    assert.ok(figure, `no figure ${name}; got ${[...byName.keys()].join(', ')}`);
    assert.ok(
      Number.isFinite(figure.median) && Number.isFinite(figure.p99),
      `${name}: ${JSON.stringify(figure)}`,
    );
  }
  assert.equal(byName.get('im.latency')?.lost, 0);
  assert.equal(byName.get('im.throughput')?.lost, 0);
  assert.equal(byName.get('presence.fanout.w3')?.missed, 0);
  assert.ok((byName.get('requests.im.send')?.median as number) > 0, 'DynamoDB requests were counted');
  for (const figure of figures) assert.doesNotThrow(() => JSON.parse(JSON.stringify(figure)));
});

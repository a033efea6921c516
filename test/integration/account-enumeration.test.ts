import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demo, postJson } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

// What an attacker may not learn: whether an account exists. Unknown users and wrong passwords get
// the same status and body after the same password-hashing work; locking counts account names as
// typed, so an unknown name locks exactly like a real one, with the same answer.
//
// Timing tolerance (stated, measured): the medians of interleaved samples may differ by at most 35%
// for the hashing path (~0.3 s a request), and for the locked path (no hashing, a few writes) by at
// most 25 ms or 35% of its median, whichever is larger: on a shared 2-core machine a locked answer
// takes 20-90 ms, and the two names run exactly the same code.
let rt: TestRuntime;

before(async () => {
  rt = await startTestRuntime({
    handlerSettings: {
      REGULATION_MAX_FAILURES: '3',
      REGULATION_MAX_FAILURES_PER_ADDRESS: '1000',
      REGULATION_BAN_TIME_SECONDS: '300',
    },
  });
});
after(() => rt.close());

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function attempt(username: string, password: string) {
  const started = performance.now();
  const response = await postJson(rt.internal, '/auth/forms', { domain: demo.domain, username, password });
  const body = await response.text();
  return {
    status: response.status,
    body,
    ms: performance.now() - started,
    retryAfter: response.headers.get('retry-after'),
  };
}

describe('account enumeration', () => {
  it('answers an unknown user and a wrong password alike, in status, body and time', async () => {
    const known = [demo.alice, demo.bob, demo.carol, demo.dave, demo.erin];
    const unknown: number[] = [];
    const wrong: number[] = [];
    const bodies = new Set<string>();
    for (const [i, user] of known.entries()) {
      const a = await attempt(`nobody${i}`, 'guess');
      const b = await attempt(user.username, 'guess');
      assert.equal(a.status, 401);
      assert.equal(b.status, 401);
      bodies.add(a.body).add(b.body);
      unknown.push(a.ms);
      wrong.push(b.ms);
    }
    assert.equal(bodies.size, 1, 'one body for both');
    const ratio = median(unknown) / median(wrong);
    assert.ok(ratio > 1 / 1.35 && ratio < 1.35, `unknown/wrong median ratio ${ratio.toFixed(2)}`);
  });

  it('locks an unknown account name exactly as it locks a real one', async () => {
    for (const username of ['alice', 'ghost']) {
      // Fail until locked (the first test may already have counted one failure for a real name).
      let status = 401;
      for (let i = 0; i < 5 && status === 401; i++) status = (await attempt(username, 'guess')).status;
      assert.equal(status, 429, `${username} is locked`);
    }
    const real: number[] = [];
    const ghost: number[] = [];
    const bodies = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const a = await attempt('alice', demo.alice.password);
      const b = await attempt('ghost', 'anything');
      assert.equal(a.status, 429);
      assert.equal(b.status, 429);
      assert.ok(a.retryAfter && b.retryAfter);
      bodies.add(a.body).add(b.body);
      real.push(a.ms);
      ghost.push(b.ms);
    }
    assert.equal(bodies.size, 1, 'one body for both');
    const difference = Math.abs(median(real) - median(ghost));
    const tolerance = Math.max(25, 0.35 * Math.min(median(real), median(ghost)));
    assert.ok(
      difference < tolerance,
      `locked medians differ by ${difference.toFixed(1)} ms (tolerance ${tolerance.toFixed(1)} ms)`,
    );
  });
});

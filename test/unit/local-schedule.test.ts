import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { ConfigError } from '../../functions/config.ts';
import { everyWithoutOverlap, localSchedule } from '../../local/schedule.ts';

const tasks = [
  { handler: 'scheduled/a', everyMinutes: 1 },
  { handler: 'scheduled/b', everyMinutes: 1, localEverySetting: 'B_SECONDS' },
];

describe('the local runtime’s schedule', () => {
  it('runs a task with its own setting at that interval, the others at the runtime’s', () => {
    assert.deepEqual(
      localSchedule(tasks, 15_000, { B_SECONDS: '2' }).map((s) => s.everyMs),
      [15_000, 2_000],
    );
    assert.deepEqual(
      localSchedule(tasks, 15_000, {}).map((s) => s.everyMs),
      [15_000, 15_000],
    );
  });

  it('refuses a value that is no whole number of seconds from 1 to 3600, naming the setting', () => {
    for (const value of ['0', '-1', '1.5', 'abc', '3601']) {
      assert.throws(
        () => localSchedule(tasks, 15_000, { B_SECONDS: value }),
        (err: unknown) => err instanceof ConfigError && err.message.includes('B_SECONDS'),
        value,
      );
    }
  });
});

describe('a local timer that never overlaps itself', () => {
  it('skips the ticks that come while the previous run is still going, and runs again once it settled', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const releases: (() => void)[] = [];
      let started = 0;
      const stop = everyWithoutOverlap(() => {
        started++;
        return new Promise<void>((resolve) => releases.push(resolve));
      }, 1000);

      mock.timers.tick(1000);
      mock.timers.tick(1000);
      mock.timers.tick(1000);
      assert.equal(started, 1, 'one run while the first has not settled');

      releases[0]?.();
      await new Promise((resolve) => setImmediate(resolve));
      mock.timers.tick(1000);
      assert.equal(started, 2, 'the next tick after it settled runs again');
      stop();
      mock.timers.tick(5000);
      assert.equal(started, 2, 'nothing after stop');
    } finally {
      mock.timers.reset();
    }
  });
});

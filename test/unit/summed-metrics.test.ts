import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricNames } from '../../functions/core/metrics/metrics.ts';
import { SummedMetrics } from '../../functions/core/metrics/summed-metrics.ts';

describe('figures summed in memory (the embedded mode)', () => {
  it('sums each figure per set of dimensions and starts over once taken', () => {
    const metrics = new SummedMetrics();
    metrics.count(metricNames.imsDelivered);
    metrics.count(metricNames.imsDelivered);
    metrics.count(metricNames.imsFailed, { Reason: 'offline' });
    metrics.count(metricNames.imsFailed, { Reason: 'offline' }, 3);
    metrics.count(metricNames.imsFailed, { Reason: 'not_found' });
    const byKey = (c: { name: string; dimensions: object }) => `${c.name} ${JSON.stringify(c.dimensions)}`;
    assert.deepEqual(
      metrics.take().sort((a, b) => byKey(a).localeCompare(byKey(b))),
      [
        { name: metricNames.imsDelivered, dimensions: {}, value: 2 },
        { name: metricNames.imsFailed, dimensions: { Reason: 'not_found' }, value: 1 },
        { name: metricNames.imsFailed, dimensions: { Reason: 'offline' }, value: 4 },
      ],
    );
    assert.deepEqual(metrics.take(), []);
  });
});

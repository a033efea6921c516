import type { CoherentTable } from './coherent-table.ts';

/** An embedded store whose records expire: what DynamoDB TTL deletes on AWS, its sweep deletes here. */
export interface ExpiringStore {
  /**
   * Deletes the records whose TTL (epoch seconds) is before `nowSeconds`, as DynamoDB TTL and the
   * local sweeper do; answers how many. Readers never rely on it: they filter expiry as the DynamoDB
   * store does.
   */
  sweepExpired(nowSeconds: number): Promise<number>;
}

/** Deletes the records of `table` whose `ttl` (epoch seconds) is before `nowSeconds`. */
export async function sweepTable(
  table: CoherentTable<{ readonly ttl?: number }>,
  nowSeconds: number,
): Promise<number> {
  // Read and removes are issued in one synchronous step: no write can renew a record in between.
  const removed = [...table.entries()]
    .filter(({ value }) => typeof value.ttl === 'number' && value.ttl < nowSeconds)
    .map(({ key }) => table.remove(key));
  await Promise.all(removed);
  return removed.length;
}

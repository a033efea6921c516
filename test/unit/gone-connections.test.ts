import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frozenClock } from '../../functions/core/clock.ts';
import type { ConnectionScan } from '../../functions/core/realtime/connection-scan.ts';
import type { ConnectionRecord } from '../../functions/core/realtime/connections.ts';
import {
  forgetAllConnections,
  goneProbeAfterMs,
  sweepGoneConnections,
  type GoneSweepPosition,
} from '../../functions/core/realtime/gone-connections.ts';
import type { ConnectionAddress, ConnectionProbe } from '../../functions/core/realtime/notifier.ts';
import type { ListedConnections, PresenceScan } from '../../functions/core/realtime/presence-scan.ts';
import type { Realtime } from '../../functions/core/realtime/realtime.ts';

const now = Date.UTC(2025, 0, 6, 9, 0, 0);
const old = now - 5 * 60_000;

const record = (name: string, connectionId: string, connectedAt = old): ConnectionRecord => ({
  sipUri: `sip:${name}@contoso.com`,
  connectionId,
  ticketId: `${name}-ticket`,
  site: 'internal',
  endpoint: 'https://ws.example.test/live',
  connectedAt,
  ttl: Number.MAX_SAFE_INTEGER,
});

/** Serves `items` a page at a time, the position being the index to start at. */
function pages<T>(items: readonly T[], pagesRead: number[]) {
  return (from: string | undefined, limit: number) => {
    const start = from === undefined ? 0 : Number(from);
    pagesRead.push(start);
    const end = Math.min(start + limit, items.length);
    return { items: items.slice(start, end), ...(end < items.length ? { next: String(end) } : {}) };
  };
}

/** Connections rows and presence rows; the ids `@connections` answers Gone for, or fails on. */
function world(
  records: readonly ConnectionRecord[],
  rows: readonly ListedConnections[],
  answers: { readonly gone?: readonly string[]; readonly failing?: readonly string[] } = {},
) {
  const connectionPages: number[] = [];
  const presencePages: number[] = [];
  const connectionPage = pages(records, connectionPages);
  const presencePage = pages(rows, presencePages);
  const connections: ConnectionScan = {
    page: async (from, limit) => {
      const { items, ...next } = connectionPage(from, limit);
      return { connections: items, ...next };
    },
  };
  const presence: PresenceScan = {
    page: async (from, limit) => {
      const { items, ...next } = presencePage(from, limit);
      return { rows: items, ...next };
    },
  };
  const asked: string[] = [];
  const probe: ConnectionProbe = {
    exists: async (to: ConnectionAddress) => {
      asked.push(to.connectionId);
      if (answers.failing?.includes(to.connectionId)) throw new Error('TooManyRequestsException');
      return !answers.gone?.includes(to.connectionId);
    },
  };
  const forgotten: string[] = [];
  const realtime = {
    disconnect: async (principal: { sipUri: string; ticketId: string }, connectionId: string) => {
      forgotten.push(`${principal.sipUri} ${principal.ticketId} ${connectionId}`);
    },
  } as unknown as Realtime;
  const deps = { clock: frozenClock(now), realtime, connections, presence };
  return { deps, probe, asked, forgotten, connectionPages, presencePages };
}

describe('the sweep of connections gone without a $disconnect', () => {
  it('forgets those answered Gone as a $disconnect would, whoever lists them, and keeps the others', async () => {
    const { deps, probe, asked, forgotten } = world(
      [record('bob', 'b1'), record('carol', 'c1')],
      [
        { sipUri: 'sip:bob@contoso.com', connections: [record('bob', 'b1'), record('bob', 'b2')] },
        { sipUri: 'sip:carol@contoso.com', connections: [record('carol', 'c1')] },
      ],
      { gone: ['b1', 'b2'] },
    );

    const outcome = await sweepGoneConnections(deps, probe, {});

    assert.deepEqual(outcome, { checked: 3, removed: 2 });
    assert.deepEqual(asked.sort(), ['b1', 'b2', 'c1'], 'each asked once');
    assert.deepEqual(forgotten.sort(), [
      'sip:bob@contoso.com bob-ticket b1',
      'sip:bob@contoso.com bob-ticket b2',
    ]);
  });

  it('does not ask about a connection that may still be inside $connect', async () => {
    const young = record('bob', 'young', now - goneProbeAfterMs + 1000);
    const { deps, probe, asked, forgotten } = world([young], [], { gone: ['young'] });

    const outcome = await sweepGoneConnections(deps, probe, {});

    assert.deepEqual(outcome, { checked: 0, removed: 0 });
    assert.deepEqual(asked, []);
    assert.deepEqual(forgotten, []);
  });

  it('keeps a connection it could not ask about, and goes on with the others', async () => {
    const { deps, probe, forgotten } = world([record('bob', 'b1'), record('carol', 'c1')], [], {
      gone: ['b1', 'c1'],
      failing: ['b1'],
    });
    const logged: string[] = [];
    const error = console.error;
    console.error = (line: string) => void logged.push(line);
    try {
      const outcome = await sweepGoneConnections(deps, probe, {});
      assert.deepEqual(outcome, { checked: 2, removed: 1 });
    } finally {
      console.error = error;
    }

    assert.deepEqual(forgotten, ['sip:carol@contoso.com carol-ticket c1']);
    assert.match(logged.join('\n'), /could not ask whether a connection still exists.*b1/);
  });

  it('reads one page of each walk per run and goes on from there, starting over at the end', async () => {
    const records = Array.from({ length: 5 }, (_, i) => record('bob', `b${i}`));
    const rows = Array.from({ length: 3 }, (_, i) => ({
      sipUri: `sip:u${i}@contoso.com`,
      connections: [record(`u${i}`, `u${i}`)],
    }));
    const { deps, probe, asked, connectionPages, presencePages } = world(records, rows);
    const position: GoneSweepPosition = {};

    for (let run = 0; run < 4; run++) await sweepGoneConnections(deps, probe, position, 2);

    assert.deepEqual(connectionPages, [0, 2, 4, 0]);
    assert.deepEqual(presencePages, [0, 2, 0, 2]);
    assert.equal(asked.length, 4 + 3 + 3 + 3);
  });
});

describe('forgetting every connection at the start of the local runtime', () => {
  it('forgets every connection of both walks, page after page, without asking', async () => {
    const records = Array.from({ length: 5 }, (_, i) => record('bob', `b${i}`, now));
    const rows = [
      { sipUri: 'sip:bob@contoso.com', connections: records.slice(0, 2) },
      { sipUri: 'sip:carol@contoso.com', connections: [record('carol', 'c1', now)] },
    ];
    const { deps, asked, forgotten, connectionPages, presencePages } = world(records, rows);

    await forgetAllConnections(deps, 2);

    assert.deepEqual(connectionPages, [0, 2, 4]);
    assert.deepEqual(presencePages, [0]);
    assert.deepEqual(asked, []);
    assert.deepEqual([...new Set(forgotten.map((f) => f.split(' ')[2]))].sort(), [
      'b0',
      'b1',
      'b2',
      'b3',
      'b4',
      'c1',
    ]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent } from '../../functions/core/audit/audit-log.ts';
import type { DirectoryStore } from '../../functions/core/directory/store.ts';
import { AppError } from '../../functions/core/errors.ts';
import type { DirectoryUser, Site } from '../../functions/core/model.ts';
import type { ConnectionScan } from '../../functions/core/realtime/connection-scan.ts';
import type { ConnectionRecord } from '../../functions/core/realtime/connections.ts';
import {
  recheckConnectedPolicy,
  type RecheckPosition,
} from '../../functions/core/sessions/recheck-policy.ts';
import type { TicketRecord } from '../../functions/core/tickets/store.ts';

const user = (name: string, flags: Partial<DirectoryUser> = {}): DirectoryUser => ({
  sipUri: `sip:${name}@contoso.com`,
  domain: 'CONTOSO',
  username: name,
  displayName: name,
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
  ...flags,
});

const connection = (name: string, ticketId: string, site: Site = 'internal'): ConnectionRecord => ({
  sipUri: `sip:${name}@contoso.com`,
  connectionId: `${ticketId}-c`,
  ticketId,
  site,
  endpoint: 'http://127.0.0.1:1',
  connectedAt: 0,
  ttl: Number.MAX_SAFE_INTEGER,
});

/** Live connections in table order, served a page at a time; the directory; what got ended. */
function world(connections: readonly ConnectionRecord[], users: readonly DirectoryUser[] | Error) {
  const pagesRead: number[] = [];
  const scan: ConnectionScan = {
    page: async (from, limit) => {
      const start = from === undefined ? 0 : Number(from);
      pagesRead.push(start);
      const end = Math.min(start + limit, connections.length);
      return {
        connections: connections.slice(start, end),
        ...(end < connections.length ? { next: String(end) } : {}),
      };
    },
  };
  const directoryReads: number[] = [];
  const directory = {
    findManyBySipUri: async (sipUris: readonly string[]) => {
      directoryReads.push(sipUris.length);
      if (users instanceof Error) throw users;
      return users.filter((u) => sipUris.includes(u.sipUri));
    },
  } as unknown as DirectoryStore;
  const live = new Set(connections.map((c) => c.ticketId));
  const ended: string[] = [];
  const audit: AuditEvent[] = [];
  const deps = {
    directory,
    connections: scan,
    tickets: {
      revoke: async (ticketId: string) =>
        live.delete(ticketId) ? ({ ticketId, sipUri: 'x' } as TicketRecord) : undefined,
    },
    realtime: {
      endTicketConnections: async (ticket: TicketRecord, reason: string) =>
        void ended.push(`${ticket.ticketId} ${reason}`),
    },
    audit: { record: (event: AuditEvent) => void audit.push(event) },
  };
  return { deps, ended, audit, pagesRead, directoryReads };
}

describe('the scheduled policy re-check of connected users', () => {
  it('ends the sessions the policy now refuses, each on its own site, and only those', async () => {
    const { deps, ended, audit } = world(
      [
        connection('alice', 't1'),
        connection('bob', 't2'),
        connection('carol', 't3', 'external'),
        connection('carol', 't4', 'internal'),
        connection('gone', 't5'),
      ],
      [user('alice'), user('bob', { enabled: false }), user('carol', { remoteAccess: false })],
    );

    const outcome = await recheckConnectedPolicy(deps, {});

    assert.deepEqual(ended, ['t2 policy', 't3 policy', 't5 policy']);
    assert.deepEqual(outcome, { checked: 4, ended: 3 });
    assert.deepEqual(
      audit.map((e) => (e.event === 'session.ended' ? e.reason : e.event)),
      ['policy', 'policy', 'policy'],
    );
  });

  it('reads a bounded page per run and walks on from where the last run stopped', async () => {
    const connections = Array.from({ length: 25 }, (_, i) => connection(`u${i}`, `t${i}`));
    const { deps, pagesRead, directoryReads } = world(connections, []);
    const position: RecheckPosition = {};

    for (let run = 0; run < 4; run++) await recheckConnectedPolicy(deps, position, 10);

    assert.deepEqual(pagesRead, [0, 10, 20, 0]);
    assert.ok(directoryReads.every((n) => n <= 10));
  });

  it('ends nothing and keeps its place when the directory cannot answer', async () => {
    const { deps, ended } = world(
      [connection('alice', 't1')],
      new AppError('directory_unavailable', 'The directory did not answer.'),
    );
    const position: RecheckPosition = { from: undefined };

    await assert.rejects(recheckConnectedPolicy(deps, position), /did not answer/);

    assert.deepEqual(ended, []);
    assert.equal(position.from, undefined);
  });
});

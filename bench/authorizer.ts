import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { defaults } from '../functions/config.ts';
import { systemClock } from '../functions/core/clock.ts';
import type { DirectoryStore } from '../functions/core/directory/store.ts';
import type { DirectoryUser } from '../functions/core/model.ts';
import { authorizeTicket } from '../functions/core/policy/authorize-ticket.ts';
import { signingKeysFromSecret } from '../functions/core/tickets/keys.ts';
import type { TicketRecord, TicketStore } from '../functions/core/tickets/store.ts';
import { Tickets } from '../functions/core/tickets/tickets.ts';
import { readTicketCookie, ticketCookieName } from '../functions/http/ticket-cookie.ts';
import type { BenchContext, BenchPlan } from './support/context.ts';
import { latencyFigure, type Figure } from './support/figures.ts';

const user: DirectoryUser = {
  sipUri: 'sip:decision@bench.example',
  domain: 'BENCH',
  username: 'decision',
  displayName: 'Decision',
  enabled: true,
  enhancedPresence: true,
  remoteAccess: true,
};

/** A ticket store in memory: the decision is timed without the DynamoDB read. */
function memoryTicketStore(): TicketStore {
  const records = new Map<string, TicketRecord>();
  const unused = () => Promise.reject(new Error('not used by the authorizer decision'));
  return {
    put: (record) => (records.set(record.ticketId, record), Promise.resolve()),
    get: (ticketId) => Promise.resolve(records.get(ticketId)),
    touch: () => Promise.resolve(),
    useForFrame: unused,
    attach: unused,
    detach: unused,
    leave: unused,
    expiringInMinute: unused,
    leavingInMinute: unused,
    delete: unused,
  };
}

/**
 * The authorizer's own work per decision, in process, with the ticket record and the user served
 * from memory: cookie parsing, the Ed25519 JWT verification, the expiry checks and the access policy.
 */
export async function authorizerDecisionFigure(plan: BenchPlan['authorizer']): Promise<Figure> {
  const ticketRules = {
    sites: {
      internal: { lifetimeSeconds: defaults.ticketLifetimeSeconds, idleSeconds: defaults.ticketIdleSeconds },
      external: { lifetimeSeconds: defaults.ticketLifetimeSeconds, idleSeconds: defaults.ticketIdleSeconds },
    },
    leaveGraceSeconds: defaults.ticketLeaveGraceSeconds,
    leaveConfirmSeconds: defaults.ticketLeaveConfirmSeconds,
    frameRate: defaults.frameRate,
  };
  const tickets = new Tickets(
    memoryTicketStore(),
    signingKeysFromSecret(randomBytes(48).toString('base64url')),
    systemClock,
    ticketRules,
  );
  const directory = { findBySipUri: () => Promise.resolve(user) } as unknown as DirectoryStore;
  const { token } = await tickets.issue(user, 'internal', 'forms');
  const cookies = [`theme=dark; ${ticketCookieName('internal')}=${token}`];
  const decide = () =>
    authorizeTicket(
      {
        tickets,
        directory,
        legacyUrl: undefined,
        // The user is allowed: no session is ended, so nothing is told or recorded.
        realtime: { endTicketConnections: () => Promise.resolve() },
        audit: { record: () => undefined },
      },
      readTicketCookie(cookies, 'internal'),
      'internal',
      {
        activity: true,
      },
    );
  for (let i = 0; i < 200; i++) await decide(); // warm-up: JIT, key objects
  const runs: number[][] = [];
  for (let run = 0; run < plan.runs; run++) {
    const samples: number[] = [];
    for (let i = 0; i < plan.decisionsPerRun; i++) {
      const started = performance.now();
      await decide();
      samples.push(performance.now() - started);
    }
    runs.push(samples);
  }
  return latencyFigure('authorizer.decision', runs, {
    decisionsPerRun: plan.decisionsPerRun,
    ticketStore: 'memory',
    signature: 'EdDSA (Ed25519)',
  });
}

/** The HTTP authorizer handler as the gateway invokes it, in the runtime process, with its DynamoDB reads. */
export async function benchAuthorizerInvoke(ctx: BenchContext): Promise<void> {
  const { host, plan } = ctx;
  const [cookie] = await host.mint([ctx.directory.pair[0].sipUri]);
  await host.call({ op: 'authorizer', cookie: cookie as string, count: 50 }); // warm-up
  const runs: number[][] = [];
  for (let run = 0; run < plan.authorizer.runs; run++) {
    const count = Math.max(10, Math.round(plan.authorizer.decisionsPerRun / 10));
    runs.push((await host.call({ op: 'authorizer', cookie: cookie as string, count })) as number[]);
  }
  ctx.report(
    latencyFigure('authorizer.invoke', runs, {
      invocationsPerRun: runs[0]?.length,
      ticketStore: 'dynalite (in the runtime process)',
    }),
  );
}

import { performance } from 'node:perf_hooks';
import { takeRequestCounts } from '../../functions/core/metering/request-counts.ts';
import { ticketCookieName } from '../../functions/http/ticket-cookie.ts';
import { authorizers } from '../../functions/routes.ts';
import { startRuntime, type Runtime } from '../../local/runtime.ts';
import type { ChildRequest, ChildStart } from './runtime-protocol.ts';

/**
 * The benchmark's runtime process: the embedded runtime (dynalite, gateway, handlers) alone in its
 * own process, as the handlers build their dependencies once per process from its environment. The
 * bench process drives it over IPC and talks to it only through loopback HTTP and WebSocket.
 */
let runtime: Runtime | undefined;

const hour = 60 * 60 * 1000;

async function start(options: ChildStart) {
  runtime = await startRuntime({
    port: 0,
    externalPort: 0,
    dataDir: options.dataDir,
    seedPath: options.seedPath,
    handlerSettings: options.handlerSettings,
    mode: options.mode,
    // Background work would land in the request counts and the timings: keep it out of the run.
    sweepIntervalMs: hour,
    scheduleIntervalMs: hour,
  });
  takeRequestCounts();
  return { internalUrl: runtime.internalUrl.replace('//localhost:', '//127.0.0.1:') };
}

/** Tickets minted by the same domain code a sign-in ends in, without paying a password hash each. */
async function mint(sipUris: readonly string[]): Promise<string[]> {
  const deps = (runtime as Runtime).deps;
  const cookies: string[] = [];
  for (let i = 0; i < sipUris.length; i += 50) {
    const batch = await Promise.all(
      sipUris.slice(i, i + 50).map(async (sipUri) => {
        const user = await deps.directory.findBySipUri(sipUri);
        if (!user) throw new Error(`no user ${sipUri} in the bench directory`);
        const { token } = await deps.tickets.issue(user, 'internal', 'forms');
        return `${ticketCookieName('internal')}=${token}`;
      }),
    );
    cookies.push(...batch);
  }
  return cookies;
}

/** The HTTP authorizer handler invoked in this process, as the gateway does: its time per decision. */
async function timeAuthorizer(cookie: string, count: number): Promise<number[]> {
  const event = {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:local:000000000000:local-internal/$default/GET/api/session',
    identitySource: [],
    routeKey: 'GET /api/session',
    rawPath: '/api/session',
    rawQueryString: '',
    cookies: [cookie],
    headers: { host: '127.0.0.1' },
    requestContext: { http: { method: 'GET', path: '/api/session', sourceIp: '127.0.0.1' } },
    stageVariables: { site: 'internal' },
  };
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const decision = (await (runtime as Runtime).invoke(authorizers.http, event)) as {
      context?: { verdict?: string };
    };
    times.push(performance.now() - started);
    if (decision.context?.verdict !== 'allow') throw new Error('the authorizer refused the bench ticket');
  }
  return times;
}

async function answer(request: ChildRequest): Promise<unknown> {
  switch (request.op) {
    case 'start':
      return start(request.options);
    case 'mint':
      return mint(request.sipUris);
    case 'counts':
      return takeRequestCounts();
    case 'cpu':
      return process.cpuUsage();
    case 'authorizer':
      return timeAuthorizer(request.cookie, request.count);
    case 'memory':
      globalThis.gc?.();
      return process.memoryUsage();
    case 'stop':
      await runtime?.close();
      runtime = undefined;
      return null;
  }
}

process.on('message', (request: ChildRequest) => {
  answer(request).then(
    (result) => process.send?.({ id: request.id, result }),
    (err: unknown) =>
      process.send?.({ id: request.id, error: err instanceof Error ? err.stack : String(err) }),
  );
});
process.on('disconnect', () => {
  void (runtime?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});

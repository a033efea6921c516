import { performance } from 'node:perf_hooks';
import type { BenchUser } from './support/bench-seed.ts';
import { pool, type BenchContext } from './support/context.ts';
import { latencyFigure, perRunFigure } from './support/figures.ts';

// Generous: on a loaded machine a sign-in queued behind 19 others' password hashes waits long.
const requestTimeoutMs = 120_000;
const runLimitMs = 300_000;

/** One forms sign-in over HTTP (the JSON API); answers when the ticket cookie came back. */
export async function signInOverHttp(base: string, domain: string, user: BenchUser): Promise<string> {
  const response = await fetch(`${base}/auth/forms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ domain, username: user.username, password: user.password }),
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  await response.arrayBuffer();
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('__Host-cwa-ticket-'));
  if (response.status !== 200 || !cookie)
    throw new Error(`sign-in of ${user.username} answered ${response.status}`);
  return cookie.split(';')[0] ?? '';
}

async function measure(
  ctx: BenchContext,
  name: string,
  users: readonly BenchUser[],
  plan: { readonly runs: number; readonly signInsPerRun: number; readonly concurrency: number },
  settings: Record<string, unknown>,
): Promise<void> {
  const { host, directory } = ctx;
  await signInOverHttp(host.internalUrl, directory.domain, users[0] as BenchUser); // warm-up, not counted
  const rates: number[] = [];
  const latencies: number[][] = [];
  const failed: Record<string, number> = {};
  for (let run = 0; run < plan.runs; run++) {
    const samples: number[] = [];
    const started = performance.now();
    await pool(plan.signInsPerRun, plan.concurrency, started + runLimitMs, async (i) => {
      const sent = performance.now();
      try {
        await signInOverHttp(host.internalUrl, directory.domain, users[i % users.length] as BenchUser);
        samples.push(performance.now() - sent);
      } catch (err) {
        const reason = err instanceof Error ? err.message.replace(/^sign-in of \S+ /, '') : String(err);
        failed[reason] = (failed[reason] ?? 0) + 1;
      }
    });
    rates.push(samples.length / ((performance.now() - started) / 1000));
    latencies.push(samples);
  }
  const all = { ...settings, concurrency: plan.concurrency, signInsPerRun: plan.signInsPerRun };
  ctx.report(perRunFigure(`${name}.rate`, 'sign-ins/s', rates, all, { failed }));
  ctx.report(latencyFigure(`${name}.latency`, latencies, all, { failed }));
}

/**
 * Forms sign-ins per second at a fixed concurrency, and their latency: once with the product's
 * password hash (scrypt N=2^15, r=8, p=3, in libuv's thread pool), once with a stored hash that
 * costs next to nothing, which leaves the product's own overhead per sign-in.
 */
export async function benchSignIn(ctx: BenchContext): Promise<void> {
  const threadPool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  await measure(ctx, 'signin', ctx.directory.signInUsers, ctx.plan.signIn, {
    passwordHash: 'scrypt N=2^15 r=8 p=3',
    uvThreadPool: threadPool,
  });
  await measure(ctx, 'signin.hash_excluded', ctx.directory.cheapSignInUsers, ctx.plan.cheapSignIn, {
    passwordHash: 'scrypt N=2 r=1 p=1 (cost excluded)',
  });
}

import { performance } from 'node:perf_hooks';
import type { BenchUser } from './support/bench-seed.ts';
import { pool, type BenchContext } from './support/context.ts';
import { latencyFigure, median, perRunFigure, round } from './support/figures.ts';

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

/** One failed forms sign-in, timed; it must be refused as bad credentials (not locked, not failed). */
async function timedFailure(base: string, domain: string, username: string): Promise<number> {
  const sent = performance.now();
  const response = await fetch(`${base}/auth/forms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ domain, username, password: 'not-the-password' }),
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  await response.arrayBuffer();
  if (response.status !== 401) throw new Error(`failed sign-in of ${username} answered ${response.status}`);
  return performance.now() - sent;
}

/**
 * The account-enumeration timing: an unknown user's and a known user's wrong-password answers, in
 * interleaved pairs (the order alternating, one request at a time, so load hits both alike). The
 * figure is the ratio of their medians per run (1 = indistinguishable); the test suite checks only
 * that both paths do the same password hashing, which no load can turn red.
 */
async function measureEnumeration(ctx: BenchContext): Promise<void> {
  const { host, directory, plan } = ctx;
  const users = directory.signInUsers;
  const pairs = Math.max(1, Math.floor(plan.signIn.signInsPerRun / 2));
  await timedFailure(host.internalUrl, directory.domain, 'enumeration-warm-up'); // not counted
  const ratios: number[] = [];
  const unknownMedians: number[] = [];
  const wrongMedians: number[] = [];
  for (let run = 0; run < plan.signIn.runs; run++) {
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < pairs; i++) {
      const known = (users[i % users.length] as BenchUser).username;
      const nobody = `nobody-${run}-${i}`;
      if (i % 2 === 0) {
        unknown.push(await timedFailure(host.internalUrl, directory.domain, nobody));
        wrong.push(await timedFailure(host.internalUrl, directory.domain, known));
      } else {
        wrong.push(await timedFailure(host.internalUrl, directory.domain, known));
        unknown.push(await timedFailure(host.internalUrl, directory.domain, nobody));
      }
    }
    ratios.push(median(unknown) / median(wrong));
    unknownMedians.push(median(unknown));
    wrongMedians.push(median(wrong));
  }
  ctx.report(
    perRunFigure(
      'signin.unknown_vs_wrong',
      'ratio of median ms (unknown user / wrong password)',
      ratios,
      { pairsPerRun: pairs, order: 'interleaved, alternating' },
      {
        unknownMedianMs: round(median(unknownMedians)),
        wrongMedianMs: round(median(wrongMedians)),
      },
      false,
    ),
  );
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
  await measureEnumeration(ctx);
}

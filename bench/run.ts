import { runBench, figureGroups, type FigureGroup } from './bench.ts';
import { fullPlan, quickPlan } from './plan.ts';

/**
 * `npm run bench [-- --quick] [--only=signin,im.latency] [--peers | --no-peers] [--profile=<dir>]`:
 * one JSON line per figure on stdout; `--profile` writes the runtime process's CPU profile
 * (`node --cpu-prof`) to <dir>. The XMPP peers (Prosody, ejabberd; where installed) run in the full
 * run unless `--no-peers` or an `--only` without `peers`, and in `--quick` only with `--peers` or
 * `--only=…,peers`. Loopback only, every loop bounded in count and time; figures are measurements,
 * never pass/fail.
 */
const args = process.argv.slice(2);
const flags = ['--quick', '--peers', '--no-peers'];
const unknown = args.filter(
  (a) => !flags.includes(a) && !a.startsWith('--only=') && !a.startsWith('--profile='),
);
const only = (
  args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',') ?? []
).filter(Boolean);
const badGroup = only.find((g) => !(figureGroups as readonly string[]).includes(g));
if (unknown.length > 0 || badGroup || (args.includes('--peers') && args.includes('--no-peers'))) {
  console.error(
    `usage: npm run bench -- [--quick] [--only=${figureGroups.join(',')}] [--peers | --no-peers] [--profile=<dir>]`,
  );
  process.exit(2);
}
const quick = args.includes('--quick');
const peers =
  !args.includes('--no-peers') &&
  (args.includes('--peers') || only.includes('peers') || (only.length === 0 && !quick));

const failed: string[] = [];
await runBench({
  plan: quick ? quickPlan : fullPlan,
  only: only as FigureGroup[],
  peers,
  report: (figure) => {
    if (figure.name.endsWith('.failed')) failed.push(figure.name);
    console.log(JSON.stringify(figure));
  },
  profileDir: args.find((a) => a.startsWith('--profile='))?.slice('--profile='.length),
});
// A group that could not be measured is a broken benchmark, not a slow machine: say so in the exit code.
if (failed.length > 0) {
  console.error(`bench: ${failed.join(', ')}`);
  process.exitCode = 1;
}

import { runBench, figureGroups, type FigureGroup } from './bench.ts';
import { fullPlan, quickPlan } from './plan.ts';

/**
 * `npm run bench [-- --quick] [--only=signin,im.latency] [--profile=<dir>]`: one JSON line per figure
 * on stdout; `--profile` writes the runtime process's CPU profile (`node --cpu-prof`) to <dir>.
 * Loopback only, every loop bounded in count and time; figures are measurements, never pass/fail.
 */
const args = process.argv.slice(2);
const unknown = args.filter(
  (a) => a !== '--quick' && !a.startsWith('--only=') && !a.startsWith('--profile='),
);
const only = (
  args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',') ?? []
).filter(Boolean);
const badGroup = only.find((g) => !(figureGroups as readonly string[]).includes(g));
if (unknown.length > 0 || badGroup) {
  console.error(`usage: npm run bench -- [--quick] [--only=${figureGroups.join(',')}] [--profile=<dir>]`);
  process.exit(2);
}

const failed: string[] = [];
await runBench({
  plan: args.includes('--quick') ? quickPlan : fullPlan,
  only: only as FigureGroup[],
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

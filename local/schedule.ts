import { ConfigError } from '../functions/config.ts';
import type { ScheduledTask } from '../functions/routes.ts';

/** A scheduled task and how often the local runtime runs it. */
export interface LocalSchedule {
  readonly task: ScheduledTask;
  readonly everyMs: number;
}

/**
 * How often the local runtime runs each scheduled task: a task's own setting (seconds, 1 to 3600)
 * when it has one and it is set, else `defaultMs`. A bad value is refused at start, naming it.
 */
export function localSchedule(
  tasks: readonly ScheduledTask[],
  defaultMs: number,
  env: Readonly<Record<string, string | undefined>>,
): LocalSchedule[] {
  return tasks.map((task) => {
    const name = task.localEverySetting;
    const text = name === undefined ? undefined : env[name]?.trim();
    if (name === undefined || text === undefined || text === '') return { task, everyMs: defaultMs };
    const seconds = Number(text);
    if (!/^\d+$/.test(text) || seconds < 1 || seconds > 3600) {
      throw new ConfigError(`${name} must be a whole number of seconds from 1 to 3600, not '${text}'`);
    }
    return { task, everyMs: seconds * 1000 };
  });
}

/**
 * Calls `work` every `everyMs` (not keeping the process alive), skipping a tick while the previous
 * call has not settled: on a busy machine a slow run never piles up behind itself. Answers how to stop.
 */
export function everyWithoutOverlap(work: () => Promise<unknown>, everyMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void work().finally(() => {
      running = false;
    });
  }, everyMs).unref();
  return () => clearInterval(timer);
}

/** Runs each task on its own timer, one run of a task at a time; answers how to stop them all. */
export function startSchedule(
  schedule: readonly LocalSchedule[],
  run: (task: ScheduledTask) => Promise<unknown>,
): () => void {
  const stops = schedule.map(({ task, everyMs }) => everyWithoutOverlap(() => run(task), everyMs));
  return () => stops.forEach((stop) => stop());
}

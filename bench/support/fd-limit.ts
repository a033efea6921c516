import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A process's open-file limit (`ulimit -n`): soft and hard. */
export interface FdLimit {
  readonly soft: number;
  readonly hard: number;
}

export function fdLimit(pid: number): FdLimit {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  const value = (text: string | undefined) => (text === 'unlimited' ? Infinity : Number(text));
  return { soft: value(match?.[1]), hard: value(match?.[2]) };
}

/**
 * Raises each process's soft open-file limit to its hard limit where the soft one is below `needed`
 * (`prlimit`, which needs no privilege for that; Node.js has no setrlimit of its own). Answers each
 * process's limit afterwards: the caller sees what it got, not what it asked for.
 */
export function raiseFdLimits(pids: readonly number[], needed: number): FdLimit[] {
  return pids.map((pid) => {
    const limit = fdLimit(pid);
    if (limit.soft >= needed || limit.hard <= limit.soft) return limit;
    try {
      const hard = limit.hard === Infinity ? 'unlimited' : String(limit.hard);
      execFileSync('prlimit', ['--pid', String(pid), `--nofile=${hard}:${hard}`], { timeout: 5000 });
    } catch {
      // no prlimit: the limit stays as it was, and the figure says so
    }
    return fdLimit(pid);
  });
}

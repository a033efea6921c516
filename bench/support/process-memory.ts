import { readFile } from 'node:fs/promises';

/** A process's memory as the kernel counts it, in KB. */
export interface ProcessMemory {
  /** Resident set now (VmRSS). */
  readonly rssKb: number;
  /** The largest resident set the process ever had (VmHWM). */
  readonly peakRssKb: number;
}

/**
 * Reads /proc/<pid>/status, so the process being measured does nothing for it (and the figure holds
 * whatever the process runs: handlers, stores, sockets, native buffers alike).
 */
export async function processMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]);
  };
  return { rssKb: kb('VmRSS'), peakRssKb: kb('VmHWM') };
}

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { openEmbeddedDatabase } from '../../functions/embedded/database.ts';

/**
 * An acknowledged write of the embedded database survives the process being killed with SIGKILL:
 * a real child process writes, the test kills it, reopens the folder and looks for every record
 * the child had acknowledged. The kill lands wherever the child is, often inside a commit.
 */

const repo = fileURLToPath(new URL('../../', import.meta.url));
const writer = fileURLToPath(new URL('./support/embedded-writer.ts', import.meta.url));
/** The writer stops at 2,000 records by itself; past this, it is killed with what it acknowledged. */
const writeWindowMs = 10_000;

interface Killed {
  /** Every acknowledged key, with the value the writer put under it (as JSON). */
  readonly acknowledged: ReadonlyMap<string, unknown>;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Runs the writer on `dir` and kills it (SIGKILL) as soon as it has acknowledged `killAfter` puts. */
async function writeUntilKilled(dir: string, killAfter: number): Promise<Killed> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acknowledged = new Map<string, unknown>();
  let pending = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const [key, value] = line.split('\t') as [string, string];
      acknowledged.set(key, JSON.parse(value));
    }
    if (acknowledged.size >= killAfter) child.kill('SIGKILL');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), writeWindowMs);
  const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { acknowledged, signal, stderr };
}

describe('embedded database after kill -9', () => {
  for (const killAfter of [10, 150, 400]) {
    it(`keeps every write it acknowledged when killed after ${killAfter} of them (or at 10 s)`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cwa-embedded-kill-'));
      try {
        const { acknowledged, signal, stderr } = await writeUntilKilled(dir, killAfter);

        assert.equal(signal, 'SIGKILL', `the writer ended by itself, not by the kill:\n${stderr}`);
        assert.ok(acknowledged.size > 0, `the writer acknowledged nothing in 10 s:\n${stderr}`);
        const database = openEmbeddedDatabase(dir);
        try {
          const table = database.table<unknown>('durability');
          const lost = [...acknowledged].filter(([key, value]) => !isDeepStrictEqual(table.get(key), value));
          assert.deepEqual(
            lost.map(([key]) => key),
            [],
            `${lost.length} of ${acknowledged.size} acknowledged writes are missing or wrong`,
          );
        } finally {
          await database.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
